-- ids = JSON array of execution ids. Locks the rows of those that exist, in id
-- order so that concurrent batches cannot deadlock, and returns (id, version,
-- created_at in epoch ms) of each.
SELECT e.id, e.version, cast(extract(epoch FROM e.created_at) * 1000 AS bigint)
FROM workflow_executions e
WHERE e.id = ANY(ARRAY(SELECT jsonb_array_elements_text(cast(:ids AS jsonb))))
ORDER BY e.id
FOR UPDATE
