-- Every API key of a tenant (tenant empty = of every tenant), oldest first,
-- revoked ones included; revoked_at is 0 for a live key.
SELECT k.id, k.key_hash, k.tenant, k.name, k.environment, k.scopes, k.agent_types, k.tier,
       cast(extract(epoch FROM k.created_at) * 1000 AS bigint),
       coalesce(cast(extract(epoch FROM k.revoked_at) * 1000 AS bigint), 0)
FROM api_keys k
WHERE :tenant = '' OR k.tenant = :tenant
ORDER BY k.created_at, k.id
