-- One new API key. scopes and agent_types are space-separated lists.
INSERT INTO api_keys (id, key_hash, tenant, name, environment, scopes, agent_types, tier)
VALUES (:id, :key_hash, :tenant, :name, :environment, :scopes, :agent_types, :tier)
