-- A page of the checkpoints of execution id, oldest first, those numbered
-- after `after`, at most `limit` (keyset paging on the primary key). Each
-- snapshot gets every result up to its checkpoint, merged in order from
-- what each checkpoint added (the window reads the rows before the page in
-- index order and stops at the limit).
SELECT cast(jsonb_build_object(
  'sequence', c.sequence, 'type', c.type, 'completedTaskId', c.completed_task_id,
  'nextTaskId', c.next_task_id,
  'contextSnapshot', c.context_snapshot || jsonb_build_object('results', c.results),
  'createdAt', cast(extract(epoch FROM c.created_at) * 1000 AS bigint)) AS text)
FROM (
  SELECT sequence, type, completed_task_id, next_task_id, context_snapshot, created_at,
         agentstudio_merge_objects(
           coalesce(results_added, context_snapshot->'results', cast('{}' AS jsonb)))
           OVER (ORDER BY sequence ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS results
  FROM checkpoints
  WHERE workflow_id = :id
) c
WHERE c.sequence > :after
ORDER BY c.sequence
LIMIT :limit
