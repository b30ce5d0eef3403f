-- rows = JSON array of heartbeats {id, agent_types, status, load, active_tasks,
-- capacity, metrics, at (epoch ms)}, at most one per agent id. A heartbeat older than the
-- one recorded (delivered late) changes nothing.
INSERT INTO agents AS a (id, agent_types, status, load, active_tasks, capacity, metrics,
                         last_heartbeat_at)
SELECT r.id, r.agent_types, r.status, r.load, r.active_tasks, r.capacity, r.metrics,
       to_timestamp(r.at / 1000.0)
FROM jsonb_to_recordset(cast(:rows AS jsonb)) AS r(
  id text, agent_types jsonb, status text, load double precision, active_tasks integer,
  capacity integer, metrics jsonb, at bigint)
ON CONFLICT (id) DO UPDATE SET
  agent_types = excluded.agent_types, status = excluded.status, load = excluded.load,
  active_tasks = excluded.active_tasks, capacity = excluded.capacity, metrics = excluded.metrics,
  last_heartbeat_at = excluded.last_heartbeat_at
WHERE a.last_heartbeat_at <= excluded.last_heartbeat_at
