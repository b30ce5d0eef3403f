-- The agent types with dispatches waiting for a slot, sorted. One index probe
-- per type (a loose index scan), not a read of every waiting row.
WITH RECURSIVE types AS (
  (SELECT agent_type FROM dispatch_queue WHERE NOT released ORDER BY agent_type LIMIT 1)
  UNION ALL
  SELECT (SELECT q.agent_type FROM dispatch_queue q
          WHERE NOT q.released AND q.agent_type > types.agent_type
          ORDER BY q.agent_type LIMIT 1)
  FROM types
  WHERE types.agent_type IS NOT NULL
)
SELECT agent_type FROM types WHERE agent_type IS NOT NULL
