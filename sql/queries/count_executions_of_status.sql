-- How many executions of a status there are, counted up to bound rows so
-- that the cost does not grow with the table.
SELECT count(*) FROM (
  SELECT 1 FROM workflow_executions WHERE status = :status LIMIT :bound
) AS bounded
