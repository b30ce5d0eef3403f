-- How many executions a tenant has, counted up to bound rows so that the
-- cost does not grow with the table.
SELECT count(*) FROM (
  SELECT 1 FROM workflow_executions WHERE tenant = :tenant LIMIT :bound
) AS bounded
