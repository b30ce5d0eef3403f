-- The first of these task rows (JSON array of id and workflow_id) naming a task id
-- that another execution already has, and which one.
SELECT r.id, t.workflow_id
FROM jsonb_to_recordset(cast(:rows AS jsonb)) AS r(id text, workflow_id text)
JOIN tasks t ON t.id = r.id AND t.workflow_id <> r.workflow_id
ORDER BY r.id
LIMIT 1
