-- One row per task (a step of an execution). attempt counts dispatches; only
-- events of the current attempt apply.
CREATE TABLE tasks (
  id             text PRIMARY KEY,
  workflow_id    text NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
  position       integer NOT NULL,
  step_id        text NOT NULL,
  name           text NOT NULL,
  agent_type     text NOT NULL,
  status         text NOT NULL,
  attempt        integer NOT NULL DEFAULT 0,
  retry_count    integer NOT NULL DEFAULT 0,
  max_retries    integer NOT NULL,
  depends_on     jsonb NOT NULL DEFAULT '[]',
  request        jsonb,
  response       jsonb,
  error_message  text NOT NULL DEFAULT '',
  progress       double precision NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL,
  started_at     timestamptz,
  completed_at   timestamptz,
  UNIQUE (workflow_id, position)
);
