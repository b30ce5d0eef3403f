-- The agent registry (the Meta-Agents API, /api/v1/agents): agents as
-- configured records of a tenant, each naming the agent type whose processes
-- run its executions. Heartbeats (table agents) tell which processes are
-- live; a record here is what a user set up. Names are unique per tenant.
CREATE TABLE registry_agents (
  id             text PRIMARY KEY,
  tenant         text NOT NULL,
  name           text NOT NULL,
  description    text NOT NULL DEFAULT '',
  agent_type     text NOT NULL,
  status         text NOT NULL CHECK (status IN ('active', 'inactive')),
  configuration  jsonb NOT NULL DEFAULT '{}',
  capabilities   jsonb NOT NULL DEFAULT '[]',
  tags           jsonb NOT NULL DEFAULT '[]',
  metadata       jsonb NOT NULL DEFAULT '{}',
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant, name)
);
CREATE INDEX registry_agents_tenant_created ON registry_agents (tenant, created_at DESC, id DESC);
