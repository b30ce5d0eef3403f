-- API keys (docs/security.md): made and revoked with `agentstudio keys`,
-- read by every front door. The key itself is never stored, only its
-- SHA-256 in hex; the id names the key everywhere else. Revoked keys stay,
-- with the time of revocation, for the record.
CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  key_hash     text NOT NULL UNIQUE,
  tenant       text NOT NULL,
  name         text NOT NULL DEFAULT '',
  environment  text NOT NULL,
  scopes       text NOT NULL,
  agent_types  text NOT NULL DEFAULT '',
  tier         text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant, created_at);
