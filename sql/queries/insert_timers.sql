-- rows = JSON array of {workflow_id, kind, task_id, attempt, fire_at (epoch ms)}.
INSERT INTO timers (workflow_id, kind, task_id, attempt, fire_at)
SELECT r.workflow_id, r.kind, r.task_id, r.attempt, to_timestamp(r.fire_at / 1000.0)
FROM jsonb_to_recordset(cast(:rows AS jsonb)) AS r(
  workflow_id text, kind text, task_id text, attempt integer, fire_at bigint)
