-- ids = JSON array of message ids. Returns the ids not seen before (and
-- records them); a concurrent claim of the same id waits for the other
-- transaction and then returns nothing for it.
INSERT INTO processed_messages (id)
SELECT DISTINCT jsonb_array_elements_text(cast(:ids AS jsonb))
ON CONFLICT (id) DO NOTHING
RETURNING id
