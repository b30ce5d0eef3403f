-- How many registry agents of the tenant the filters of the page query match.
SELECT count(*)
FROM registry_agents a
WHERE a.tenant = :tenant
  AND (:agent_type = '' OR a.agent_type = :agent_type)
  AND (:status = '' OR a.status = :status)
  AND (:search = '' OR a.name ILIKE :search OR a.description ILIKE :search)
