-- A page of the checkpoints of execution id, oldest first, those numbered
-- after `after`, at most `limit` (keyset paging on the primary key). Each
-- snapshot gets every result up to its checkpoint, merged from what each
-- checkpoint added, those before the page once (the prefix), then those of
-- the page in order.
WITH prefix AS (
  SELECT coalesce(jsonb_object_agg(r.key, r.value ORDER BY c.sequence), cast('{}' AS jsonb))
           AS results
  FROM checkpoints c,
       jsonb_each(coalesce(c.results_added, c.context_snapshot->'results', cast('{}' AS jsonb))) r
  WHERE c.workflow_id = :id AND c.sequence <= :after
),
page AS (
  SELECT sequence, type, completed_task_id, next_task_id, context_snapshot, results_added,
         created_at
  FROM checkpoints
  WHERE workflow_id = :id AND sequence > :after
  ORDER BY sequence
  LIMIT :limit
)
SELECT cast(jsonb_build_object(
  'sequence', p.sequence, 'type', p.type, 'completedTaskId', p.completed_task_id,
  'nextTaskId', p.next_task_id,
  'contextSnapshot', p.context_snapshot || jsonb_build_object('results',
    (SELECT results FROM prefix) || agentstudio_merge_objects(
      coalesce(p.results_added, p.context_snapshot->'results', cast('{}' AS jsonb)))
      OVER (ORDER BY p.sequence ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
  'createdAt', cast(extract(epoch FROM p.created_at) * 1000 AS bigint)) AS text)
FROM page p
ORDER BY p.sequence
