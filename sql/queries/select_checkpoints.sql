-- A page of the checkpoints of execution id, oldest first, those numbered
-- after `after`, at most `limit` (keyset paging on the primary key).
SELECT cast(jsonb_build_object(
  'sequence', sequence, 'type', type, 'completedTaskId', completed_task_id,
  'nextTaskId', next_task_id, 'contextSnapshot', context_snapshot,
  'createdAt', cast(extract(epoch FROM created_at) * 1000 AS bigint)) AS text)
FROM checkpoints
WHERE workflow_id = :id AND sequence > :after
ORDER BY sequence
LIMIT :limit
