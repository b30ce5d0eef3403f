-- The fields of one registry agent of the tenant that the update names (each
-- set_x is true or false), stamped now, in one statement so that concurrent
-- updates of other fields are kept. Answers the agent as stored.
UPDATE registry_agents a
SET name = CASE WHEN :set_name THEN :name ELSE a.name END,
    description = CASE WHEN :set_description THEN :description ELSE a.description END,
    agent_type = CASE WHEN :set_agent_type THEN :agent_type ELSE a.agent_type END,
    status = CASE WHEN :set_status THEN :status ELSE a.status END,
    configuration = CASE WHEN :set_configuration THEN cast(:configuration AS jsonb)
                         ELSE a.configuration END,
    capabilities = CASE WHEN :set_capabilities THEN cast(:capabilities AS jsonb)
                        ELSE a.capabilities END,
    tags = CASE WHEN :set_tags THEN cast(:tags AS jsonb) ELSE a.tags END,
    metadata = CASE WHEN :set_metadata THEN cast(:metadata AS jsonb) ELSE a.metadata END,
    updated_at = now()
WHERE a.tenant = :tenant AND a.id = :id
RETURNING a.id, a.tenant, a.name, a.description, a.agent_type, a.status,
          a.configuration::text, a.capabilities::text, a.tags::text, a.metadata::text,
          a.created_by, cast(extract(epoch FROM a.created_at) * 1000 AS bigint),
          cast(extract(epoch FROM a.updated_at) * 1000 AS bigint)
