-- Agents known from their heartbeats.
CREATE TABLE agents (
  id                 text PRIMARY KEY,
  agent_types        jsonb NOT NULL DEFAULT '[]',
  status             text NOT NULL,
  load               double precision NOT NULL DEFAULT 0,
  active_tasks       integer NOT NULL DEFAULT 0,
  metrics            jsonb NOT NULL DEFAULT '{}',
  first_seen_at      timestamptz NOT NULL DEFAULT now(),
  last_heartbeat_at  timestamptz NOT NULL
);
