-- How many workflows of a tenant run or are about to. Its pending and
-- running executions, counted up to bound rows, and those of ids (a JSON
-- array, accepted by a front door) not stored yet.
SELECT (SELECT count(*) FROM (
          SELECT 1 FROM workflow_executions
          WHERE tenant = :tenant AND status IN ('pending', 'running') LIMIT :bound) AS stored)
     + (SELECT count(*) FROM jsonb_array_elements_text(cast(:ids AS jsonb)) AS accepted(id)
        WHERE NOT EXISTS (SELECT 1 FROM workflow_executions e WHERE e.id = accepted.id))
