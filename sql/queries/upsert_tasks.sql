-- rows = JSON array of tasks, times in epoch ms (0 = NULL). A row whose id
-- belongs to another execution is neither inserted nor updated (the WHERE of
-- the conflict action), so the caller compares the rows written to the rows sent.
INSERT INTO tasks AS t (
  id, workflow_id, position, step_id, name, agent_type, status, attempt, dispatched,
  retry_count, max_retries, iteration, depends_on, request, response, error_message, failure_cause,
  progress, created_at, started_at, completed_at, tenant, priority)
SELECT r.id, r.workflow_id, r.position, r.step_id, r.name, r.agent_type, r.status, r.attempt,
       r.dispatched, r.retry_count, r.max_retries, r.iteration, r.depends_on, r.request,
       r.response, r.error_message, r.failure_cause, r.progress, to_timestamp(r.created_at / 1000.0),
       to_timestamp(nullif(r.started_at, 0) / 1000.0),
       to_timestamp(nullif(r.completed_at, 0) / 1000.0), r.tenant, r.priority
FROM jsonb_to_recordset(cast(:rows AS jsonb)) AS r(
  id text, workflow_id text, position integer, step_id text, name text, agent_type text,
  status text, attempt integer, dispatched boolean, retry_count integer, max_retries integer,
  iteration integer, depends_on jsonb, request jsonb, response jsonb, error_message text,
  failure_cause text, progress double precision,
  created_at bigint, started_at bigint, completed_at bigint, tenant text, priority smallint)
ON CONFLICT (id) DO UPDATE SET
  status = excluded.status, attempt = excluded.attempt, dispatched = excluded.dispatched,
  retry_count = excluded.retry_count,
  request = excluded.request, response = excluded.response,
  error_message = excluded.error_message, failure_cause = excluded.failure_cause,
  progress = excluded.progress,
  started_at = excluded.started_at, completed_at = excluded.completed_at
WHERE t.workflow_id = excluded.workflow_id
