-- The workflow, status and tenant of one task.
SELECT t.workflow_id, t.status, e.tenant
FROM tasks t JOIN workflow_executions e ON e.id = t.workflow_id
WHERE t.id = :id
