-- How many executions there are, counted up to bound rows so that the cost
-- does not grow with the table.
SELECT count(*) FROM (SELECT 1 FROM workflow_executions LIMIT :bound) AS bounded
