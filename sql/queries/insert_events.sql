-- rows = JSON array of {workflow_id, sequence, type, severity, data, created_at(ms),
-- source_message_id (empty = NULL)}.
INSERT INTO workflow_events (workflow_id, sequence, type, severity, data, created_at,
                             source_message_id)
SELECT r.workflow_id, r.sequence, r.type, r.severity, r.data, to_timestamp(r.created_at / 1000.0),
       nullif(r.source_message_id, '')
FROM jsonb_to_recordset(cast(:rows AS jsonb)) AS r(
  workflow_id text, sequence bigint, type text, severity text, data jsonb, created_at bigint,
  source_message_id text)
