-- How many executions match, counted up to bound rows so that the cost does
-- not grow with the table. The caller appends the filters of the page (the
-- WHERE clause on e), then the closing text of count_executions_tail.
SELECT count(*) FROM (
  SELECT 1 FROM workflow_executions e
