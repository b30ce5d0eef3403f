-- rows = JSON array of {workflow_id, sequence, type, severity, data, created_at(ms)}.
INSERT INTO workflow_events (workflow_id, sequence, type, severity, data, created_at)
SELECT r.workflow_id, r.sequence, r.type, r.severity, r.data, to_timestamp(r.created_at / 1000.0)
FROM jsonb_to_recordset(cast(:rows AS jsonb)) AS r(
  workflow_id text, sequence bigint, type text, severity text, data jsonb, created_at bigint)
