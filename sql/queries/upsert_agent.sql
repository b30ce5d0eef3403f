-- One heartbeat id, agent_types (JSON array), status, load, active_tasks, metrics, at (ms).
INSERT INTO agents AS a (id, agent_types, status, load, active_tasks, metrics, last_heartbeat_at)
VALUES (:id, cast(:agent_types AS jsonb), :status, :load, :active_tasks, cast(:metrics AS jsonb),
        to_timestamp(:at / 1000.0))
ON CONFLICT (id) DO UPDATE SET
  agent_types = excluded.agent_types, status = excluded.status, load = excluded.load,
  active_tasks = excluded.active_tasks, metrics = excluded.metrics,
  last_heartbeat_at = greatest(a.last_heartbeat_at, excluded.last_heartbeat_at)
