-- One row per workflow execution. The definition and free-form objects are
-- kept as jsonb; times are timestamptz (NULL = not yet).
CREATE TABLE workflow_executions (
  id                   text PRIMARY KEY,
  definition_id        text NOT NULL,
  pattern              text NOT NULL,
  status               text NOT NULL,
  definition           jsonb NOT NULL,
  input                jsonb NOT NULL DEFAULT '{}',
  metadata             jsonb,
  context_state        jsonb NOT NULL DEFAULT '{}',
  initiated_by         text NOT NULL DEFAULT '',
  error_message        text NOT NULL DEFAULT '',
  created_at           timestamptz NOT NULL,
  started_at           timestamptz,
  completed_at         timestamptz,
  updated_at           timestamptz NOT NULL,
  last_event_sequence  bigint NOT NULL DEFAULT 0,
  last_checkpoint_sequence bigint NOT NULL DEFAULT 0,
  version              bigint NOT NULL DEFAULT 1
);
CREATE INDEX workflow_executions_status_created ON workflow_executions (status, created_at DESC);
CREATE INDEX workflow_executions_created ON workflow_executions (created_at DESC);
