-- One page of executions (list items). The caller appends, as e, the page
-- of workflow_executions rows (a status filter, ORDER BY in the order of an
-- index of migration 016, LIMIT, OFFSET), and the same ORDER BY again, so
-- that the progress of rows skipped by OFFSET is not computed.
SELECT cast(jsonb_build_object(
  'id', e.id, 'definitionId', e.definition_id, 'pattern', e.pattern, 'status', e.status,
  'initiatedBy', e.initiated_by,
  'createdAt', cast(extract(epoch FROM e.created_at) * 1000 AS bigint),
  'startedAt', coalesce(cast(extract(epoch FROM e.started_at) * 1000 AS bigint), 0),
  'completedAt', coalesce(cast(extract(epoch FROM e.completed_at) * 1000 AS bigint), 0),
  'progress', (SELECT coalesce(round(100.0 * count(*) FILTER (WHERE t.status = 'completed')
                                     / nullif(count(*), 0), 2), 0)
               FROM tasks t WHERE t.workflow_id = e.id)) AS text)
FROM
