-- How many tasks select_task_page finds with the same filters, counted up to
-- bound rows so that the cost does not grow with the table.
SELECT count(*) FROM (
  SELECT 1
  FROM tasks t
  WHERE t.tenant = :tenant
    AND (CAST(:type AS text) = '' OR t.agent_type = CAST(:type_again AS text))
    AND (CAST(:state AS text) = ''
         OR CASE WHEN t.status IN ('waiting', 'pending') THEN 'pending'
                 WHEN t.status = 'failed' AND t.failure_cause = 'cancelled' THEN 'cancelled'
                 ELSE t.status END = CAST(:state_again AS text))
    AND (CAST(:priority AS integer) < 0 OR t.priority = CAST(:priority_again AS integer))
    AND (CAST(:after AS bigint) = 0 OR t.created_at > to_timestamp(:after_again / 1000.0))
    AND (CAST(:before AS bigint) = 0 OR t.created_at < to_timestamp(:before_again / 1000.0))
  LIMIT :bound
) AS bounded
