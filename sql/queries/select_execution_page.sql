-- One page of executions (list items). The caller appends, as e, the page
-- of workflow_executions rows (its filters, ORDER BY in the order of an
-- index of migrations 018 and 023, LIMIT, OFFSET), and the same ORDER BY
-- again, so that the task counts of rows skipped by OFFSET are not computed.
SELECT cast(jsonb_build_object(
  'id', e.id, 'definitionId', e.definition_id, 'pattern', e.pattern, 'status', e.status,
  'initiatedBy', e.initiated_by,
  'createdAt', cast(extract(epoch FROM e.created_at) * 1000 AS bigint),
  'startedAt', coalesce(cast(extract(epoch FROM e.started_at) * 1000 AS bigint), 0),
  'completedAt', coalesce(cast(extract(epoch FROM e.completed_at) * 1000 AS bigint), 0),
  'tasks', (SELECT jsonb_build_object(
                     'total', count(*),
                     'completed', count(*) FILTER (WHERE t.status = 'completed'),
                     'failed', count(*) FILTER (WHERE t.status = 'failed'))
            FROM tasks t WHERE t.workflow_id = e.id)) AS text)
FROM
