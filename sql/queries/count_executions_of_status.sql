-- How many executions of a status a tenant has, counted up to bound rows so
-- that the cost does not grow with the table.
SELECT count(*) FROM (
  SELECT 1 FROM workflow_executions WHERE tenant = :tenant AND status = :status LIMIT :bound
) AS bounded
