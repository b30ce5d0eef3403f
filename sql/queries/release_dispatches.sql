-- Moves the waiting dispatches of agent_type that its agents have room for
-- into the outbox, the highest priority first, in dispatch order within one.
-- The room is the capacity of the agents of the type heard from after since
-- (epoch ms) and not stopping, plus prefetch for each of them, less its
-- dispatches released and not ended.
-- Without such an agent, or when one of them states no capacity, there is no
-- limit. The caller holds the type lock (lock_dispatch_type).
WITH live AS (
  SELECT count(*) AS agents, sum(capacity + cast(:prefetch AS integer)) AS capacity,
         bool_or(capacity <= 0) AS unbounded
  FROM agents
  WHERE agent_types @> jsonb_build_array(cast(:agent_type AS text))
    AND last_heartbeat_at > to_timestamp(:since / 1000.0) AND status <> 'stopping'
),
room AS (
  SELECT CASE WHEN live.agents = 0 OR live.unbounded THEN NULL
              ELSE greatest(live.capacity - (SELECT count(*) FROM dispatch_queue
                                             WHERE agent_type = cast(:agent_type AS text)
                                               AND released), 0)
         END AS n
  FROM live
),
picked AS (
  SELECT task_id FROM dispatch_queue
  WHERE agent_type = cast(:agent_type AS text) AND NOT released
  ORDER BY priority DESC, seq
  LIMIT (SELECT n FROM room)
),
moved AS (
  UPDATE dispatch_queue q SET released = true
  FROM picked
  WHERE q.task_id = picked.task_id
  RETURNING q.topic, q.key, q.payload, q.headers, q.priority, q.seq
)
INSERT INTO outbox (topic, key, payload, headers)
SELECT topic, key, payload, headers FROM moved ORDER BY priority DESC, seq
