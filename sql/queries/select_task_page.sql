-- A page of a tenant tasks, newest first (index tasks_tenant_created), as
-- JSON rows, of one agent type, state, priority and creation window (epoch
-- ms, 0 for open) when given, or the one task of id. state is what the
-- control plane shows (pending for waiting and pending, cancelled for a task
-- that failed because it was cancelled, else the status).
WITH shown AS (
  SELECT t.*,
         CASE WHEN t.status IN ('waiting', 'pending') THEN 'pending'
              WHEN t.status = 'failed' AND t.failure_cause = 'cancelled' THEN 'cancelled'
              ELSE t.status END AS state
  FROM tasks t
  WHERE t.tenant = :tenant
)
SELECT cast(jsonb_build_object(
  'id', id, 'workflowId', workflow_id, 'name', name, 'agentType', agent_type, 'state', state,
  'priority', priority, 'attempt', attempt, 'progress', progress,
  'response', response, 'errorMessage', error_message,
  'createdAt', cast(extract(epoch FROM created_at) * 1000 AS bigint),
  'startedAt', coalesce(cast(extract(epoch FROM started_at) * 1000 AS bigint), 0),
  'completedAt', coalesce(cast(extract(epoch FROM completed_at) * 1000 AS bigint), 0)) AS text)
FROM shown
WHERE (CAST(:id AS text) = '' OR id = CAST(:id_again AS text))
  AND (CAST(:type AS text) = '' OR agent_type = CAST(:type_again AS text))
  AND (CAST(:state AS text) = '' OR state = CAST(:state_again AS text))
  AND (CAST(:priority AS integer) < 0 OR priority = CAST(:priority_again AS integer))
  AND (CAST(:after AS bigint) = 0 OR created_at > to_timestamp(:after_again / 1000.0))
  AND (CAST(:before AS bigint) = 0 OR created_at < to_timestamp(:before_again / 1000.0))
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :offset
