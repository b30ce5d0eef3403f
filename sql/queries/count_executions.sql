-- How many executions have a status in statuses (JSON array).
SELECT count(*)
FROM workflow_executions
WHERE status IN (SELECT jsonb_array_elements_text(cast(:statuses AS jsonb)))
