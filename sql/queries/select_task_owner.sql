-- The workflow, status, tenant, agent type and current attempt of one task.
SELECT t.workflow_id, t.status, e.tenant, t.agent_type, t.attempt
FROM tasks t JOIN workflow_executions e ON e.id = t.workflow_id
WHERE t.id = :id
