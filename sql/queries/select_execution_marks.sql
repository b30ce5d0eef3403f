-- ids = JSON array of execution ids. (id, status, last event sequence, tenant)
-- of those that exist.
SELECT e.id, e.status, e.last_event_sequence, e.tenant
FROM workflow_executions e
WHERE e.id = ANY(ARRAY(SELECT jsonb_array_elements_text(cast(:ids AS jsonb))))
