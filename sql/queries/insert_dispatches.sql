-- rows = JSON array of {task_id, attempt, agent_type, priority, topic, key,
-- payload (hex), headers (object)}, in dispatch order, at most one per task.
-- A task dispatched again replaces its row, waiting again at the back of its
-- priority (a new seq).
INSERT INTO dispatch_queue AS q (task_id, attempt, agent_type, priority, topic, key, payload,
                                 headers)
SELECT r.task_id, r.attempt, r.agent_type, r.priority, r.topic, r.key, decode(r.payload, 'hex'),
       r.headers
FROM ROWS FROM (jsonb_to_recordset(cast(:rows AS jsonb))
                AS (task_id text, attempt integer, agent_type text, priority smallint,
                    topic text, key text, payload text, headers jsonb))
     WITH ORDINALITY AS r(task_id, attempt, agent_type, priority, topic, key, payload, headers,
                          ord)
ORDER BY r.ord
ON CONFLICT (task_id) DO UPDATE SET
  attempt = excluded.attempt, agent_type = excluded.agent_type, priority = excluded.priority,
  seq = excluded.seq, released = false, topic = excluded.topic, key = excluded.key,
  payload = excluded.payload, headers = excluded.headers
