-- rows = JSON array of executions that exist (see workflow_store.cpp), times in
-- epoch ms (0 = NULL). Only what an event can change is set. A null definition
-- keeps the stored one, so an unchanged definition is not written again.
UPDATE workflow_executions AS e SET
  status = r.status, definition = coalesce(r.definition, e.definition),
  context_state = r.context_state, error_message = r.error_message,
  failure_cause = r.failure_cause,
  started_at = to_timestamp(nullif(r.started_at, 0) / 1000.0),
  completed_at = to_timestamp(nullif(r.completed_at, 0) / 1000.0),
  updated_at = to_timestamp(r.updated_at / 1000.0),
  last_event_sequence = r.last_event_sequence,
  last_checkpoint_sequence = r.last_checkpoint_sequence, version = r.version
FROM jsonb_to_recordset(cast(:rows AS jsonb)) AS r(
  id text, status text, definition jsonb, context_state jsonb, error_message text,
  failure_cause text, started_at bigint, completed_at bigint, updated_at bigint,
  last_event_sequence bigint, last_checkpoint_sequence bigint, version bigint)
WHERE e.id = r.id
