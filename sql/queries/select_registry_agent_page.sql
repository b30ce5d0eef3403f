-- A page of the registry agents of the tenant (or the one of id, when id is not
-- empty), filtered by type, status and a search of name and description
-- (search is an ILIKE pattern, empty for none), in the asked order with the
-- id breaking ties.
SELECT a.id, a.tenant, a.name, a.description, a.agent_type, a.status,
       a.configuration::text, a.capabilities::text, a.tags::text, a.metadata::text, a.created_by,
       cast(extract(epoch FROM a.created_at) * 1000 AS bigint),
       cast(extract(epoch FROM a.updated_at) * 1000 AS bigint)
FROM registry_agents a
WHERE a.tenant = :tenant
  AND (:id = '' OR a.id = :id)
  AND (:agent_type = '' OR a.agent_type = :agent_type)
  AND (:status = '' OR a.status = :status)
  AND (:search = '' OR a.name ILIKE :search OR a.description ILIKE :search)
ORDER BY
  CASE WHEN :sort = 'name' AND :direction = 'asc' THEN a.name END ASC,
  CASE WHEN :sort = 'name' AND :direction = 'desc' THEN a.name END DESC,
  CASE WHEN :sort = 'created_at' AND :direction = 'asc' THEN a.created_at END ASC,
  CASE WHEN :sort = 'created_at' AND :direction = 'desc' THEN a.created_at END DESC,
  CASE WHEN :sort = 'updated_at' AND :direction = 'asc' THEN a.updated_at END ASC,
  CASE WHEN :sort = 'updated_at' AND :direction = 'desc' THEN a.updated_at END DESC,
  a.id
LIMIT cast(:limit AS integer) OFFSET cast(:offset AS bigint)
