-- The dispatch gate (docs/design-decisions.md, "Priority"). A task's dispatch
-- waits here until the live agents of its type have a free slot, and is then
-- moved to the outbox, the most urgent first (released). The row stays,
-- holding its slot, until the attempt ends. One row per task: a new attempt
-- replaces the last one's, at the back of its priority. seq orders the
-- dispatches of one priority as they were made.
CREATE TABLE dispatch_queue (
  task_id     text PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
  attempt     integer NOT NULL,
  agent_type  text NOT NULL,
  priority    smallint NOT NULL,
  seq         bigserial NOT NULL,
  released    boolean NOT NULL DEFAULT false,
  topic       text NOT NULL,
  key         text NOT NULL,
  payload     bytea NOT NULL,
  headers     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX dispatch_queue_waiting ON dispatch_queue (agent_type, priority DESC, seq)
  WHERE NOT released;
CREATE INDEX dispatch_queue_released ON dispatch_queue (agent_type) WHERE released;
-- How many tasks an agent runs at once, from its heartbeats; 0 when it does
-- not say (its type then has no limit).
ALTER TABLE agents ADD COLUMN capacity integer NOT NULL DEFAULT 0;
