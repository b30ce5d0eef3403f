-- A page of agents, the most recently heard first, with their state (active,
-- error for a degraded one, inactive for a stopping or silent one, heard from
-- last before since in epoch ms), of one state and one agent type when given.
WITH classified AS (
  SELECT a.*,
         CASE WHEN a.last_heartbeat_at <= to_timestamp(:since / 1000.0) OR a.status = 'stopping'
                THEN 'inactive'
              WHEN a.status = 'degraded' THEN 'error'
              ELSE 'active' END AS state
  FROM agents a
)
SELECT id, agent_types::text, status, load, active_tasks, capacity, metrics::text,
       (extract(epoch FROM first_seen_at) * 1000)::bigint,
       (extract(epoch FROM last_heartbeat_at) * 1000)::bigint, state
FROM classified
WHERE (CAST(:state AS text) = '' OR state = CAST(:state_again AS text))
  AND (CAST(:type AS text) = '' OR agent_types @> jsonb_build_array(CAST(:type_again AS text)))
  AND (CAST(:id AS text) = '' OR id = CAST(:id_again AS text))
ORDER BY last_heartbeat_at DESC, id
LIMIT :limit OFFSET :offset
