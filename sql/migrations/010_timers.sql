-- Timers the engine asked for (retry backoff, step and workflow timeouts).
-- Any scheduler sweeps due ones with FOR UPDATE SKIP LOCKED and deletes them
-- in the transaction that applies them, so none fires twice.
CREATE TABLE timers (
  id           bigserial PRIMARY KEY,
  workflow_id  text NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
  kind         text NOT NULL,
  task_id      text NOT NULL DEFAULT '',
  attempt      integer NOT NULL DEFAULT 0,
  fire_at      timestamptz NOT NULL
);
CREATE INDEX timers_due ON timers (fire_at);
