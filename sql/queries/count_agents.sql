-- How many agents select_agent_page finds with the same filters.
WITH classified AS (
  SELECT a.agent_types,
         CASE WHEN a.last_heartbeat_at <= to_timestamp(:since / 1000.0) OR a.status = 'stopping'
                THEN 'inactive'
              WHEN a.status = 'degraded' THEN 'error'
              ELSE 'active' END AS state
  FROM agents a
)
SELECT count(*)
FROM classified
WHERE (CAST(:state AS text) = '' OR state = CAST(:state_again AS text))
  AND (CAST(:type AS text) = '' OR agent_types @> jsonb_build_array(CAST(:type_again AS text)))
