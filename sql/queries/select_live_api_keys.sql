-- The API keys not revoked, as the front doors hold them.
SELECT k.id, k.key_hash, k.tenant, k.name, k.environment, k.scopes, k.agent_types, k.tier,
       cast(extract(epoch FROM k.created_at) * 1000 AS bigint), 0
FROM api_keys k
WHERE k.revoked_at IS NULL
