-- One new registry agent; a name the tenant already uses violates
-- the unique constraint (the store answers NameTaken).
INSERT INTO registry_agents (id, tenant, name, description, agent_type, status, configuration,
                             capabilities, tags, metadata, created_by)
VALUES (:id, :tenant, :name, :description, :agent_type, :status, cast(:configuration AS jsonb),
        cast(:capabilities AS jsonb), cast(:tags AS jsonb), cast(:metadata AS jsonb), :created_by)
RETURNING cast(extract(epoch FROM created_at) * 1000 AS bigint),
          cast(extract(epoch FROM updated_at) * 1000 AS bigint)
