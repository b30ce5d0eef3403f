-- One registry agent of the tenant.
DELETE FROM registry_agents WHERE tenant = :tenant AND id = :id
