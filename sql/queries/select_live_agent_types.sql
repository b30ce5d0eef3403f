-- Agent types with a heartbeat newer than since (epoch ms), sorted.
SELECT DISTINCT jsonb_array_elements_text(agent_types) AS agent_type
FROM agents
WHERE last_heartbeat_at > to_timestamp(:since / 1000.0)
ORDER BY agent_type
