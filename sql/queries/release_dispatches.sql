-- Moves the waiting dispatches of agent_type that its agents have room for
-- into the outbox, the highest priority first, in dispatch order within one.
-- Live agents are those of the type heard from after since (epoch ms) and not
-- stopping. Their room is their capacity, plus prefetch for each, less the
-- dispatches in flight of every type they serve (an agent runs all its types
-- on one capacity), counting only rows whose task is still at that attempt
-- and in flight, so a row some writer left behind holds no slot. No limit
-- when a live agent states no capacity, or when no agent of the type ever
-- stated one; none (hold) when agents stated one but none is live now, so a
-- restart does not flush the backlog into Kafka in arrival order. Rows a
-- scheduler holds (ending or replacing them) are skipped, never waited for.
-- The caller holds the type lock (lock_dispatch_type).
WITH live AS (
  SELECT agent_types, capacity
  FROM agents
  WHERE agent_types @> jsonb_build_array(cast(:agent_type AS text))
    AND last_heartbeat_at > to_timestamp(:since / 1000.0) AND status <> 'stopping'
),
served AS (
  SELECT DISTINCT jsonb_array_elements_text(agent_types) AS agent_type FROM live
),
in_flight AS (
  SELECT count(*) AS n
  FROM dispatch_queue q
  JOIN tasks t ON t.id = q.task_id AND t.attempt = q.attempt
  WHERE q.released AND q.agent_type IN (SELECT agent_type FROM served)
    AND t.dispatched AND t.status IN ('pending', 'running')
),
room AS (
  SELECT CASE
           WHEN EXISTS (SELECT 1 FROM live WHERE capacity <= 0) THEN NULL
           WHEN NOT EXISTS (SELECT 1 FROM agents
                            WHERE agent_types @> jsonb_build_array(cast(:agent_type AS text))
                              AND capacity > 0) THEN NULL
           ELSE greatest(coalesce((SELECT sum(capacity + cast(:prefetch AS integer)) FROM live), 0)
                         - (SELECT n FROM in_flight), 0)
         END AS n
),
picked AS (
  SELECT task_id FROM dispatch_queue
  WHERE agent_type = cast(:agent_type AS text) AND NOT released
  ORDER BY priority DESC, seq
  LIMIT (SELECT n FROM room)
  FOR UPDATE SKIP LOCKED
),
moved AS (
  UPDATE dispatch_queue q SET released = true
  FROM picked
  WHERE q.task_id = picked.task_id
  RETURNING q.topic, q.key, q.payload, q.headers, q.priority, q.seq
)
INSERT INTO outbox (topic, key, payload, headers)
SELECT topic, key, payload, headers FROM moved ORDER BY priority DESC, seq
