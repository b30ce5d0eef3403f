-- The execution's event log (context.events); sequence is the SSE event id.
CREATE TABLE workflow_events (
  workflow_id  text NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
  sequence     bigint NOT NULL,
  type         text NOT NULL,
  severity     text NOT NULL,
  data         jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (workflow_id, sequence)
);
