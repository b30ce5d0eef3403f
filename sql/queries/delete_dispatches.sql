-- rows = JSON array of {task_id, attempt}, attempts that ended. The row of a
-- later attempt of the same task stays. Ids matched with = ANY of an array, so
-- the primary key is used.
DELETE FROM dispatch_queue q
WHERE q.task_id = ANY(ARRAY(SELECT r.task_id
                            FROM jsonb_to_recordset(cast(:rows AS jsonb))
                                 AS r(task_id text, attempt integer)))
  AND EXISTS (SELECT 1
              FROM jsonb_to_recordset(cast(:rows AS jsonb)) AS r(task_id text, attempt integer)
              WHERE r.task_id = q.task_id AND r.attempt = q.attempt)
