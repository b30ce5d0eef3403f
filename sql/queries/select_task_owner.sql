-- The workflow and status of one task.
SELECT t.workflow_id, t.status FROM tasks t WHERE t.id = :id
