-- The agent types with dispatches waiting for a slot, sorted (the order in
-- which the gate takes their locks).
SELECT DISTINCT agent_type FROM dispatch_queue WHERE NOT released ORDER BY agent_type
