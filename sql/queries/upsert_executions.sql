-- rows = JSON array of executions (see workflow_store.cpp), times in epoch ms (0 = NULL).
INSERT INTO workflow_executions AS e (
  id, definition_id, pattern, status, definition, input, metadata, context_state,
  initiated_by, tenant, error_message, failure_cause, created_at, started_at, completed_at, updated_at,
  last_event_sequence, last_checkpoint_sequence, version)
SELECT r.id, r.definition_id, r.pattern, r.status, r.definition, r.input, r.metadata,
       r.context_state, r.initiated_by, r.tenant, r.error_message, r.failure_cause,
       to_timestamp(r.created_at / 1000.0),
       to_timestamp(nullif(r.started_at, 0) / 1000.0),
       to_timestamp(nullif(r.completed_at, 0) / 1000.0),
       to_timestamp(r.updated_at / 1000.0),
       r.last_event_sequence, r.last_checkpoint_sequence, r.version
FROM jsonb_to_recordset(cast(:rows AS jsonb)) AS r(
  id text, definition_id text, pattern text, status text, definition jsonb, input jsonb,
  metadata jsonb, context_state jsonb, initiated_by text, tenant text, error_message text,
  failure_cause text,
  created_at bigint, started_at bigint, completed_at bigint, updated_at bigint,
  last_event_sequence bigint, last_checkpoint_sequence bigint, version bigint)
ON CONFLICT (id) DO UPDATE SET
  status = excluded.status, definition = excluded.definition, context_state = excluded.context_state,
  error_message = excluded.error_message, failure_cause = excluded.failure_cause,
  started_at = excluded.started_at,
  completed_at = excluded.completed_at, updated_at = excluded.updated_at,
  last_event_sequence = excluded.last_event_sequence,
  last_checkpoint_sequence = excluded.last_checkpoint_sequence, version = excluded.version
