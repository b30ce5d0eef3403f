-- The end of count_executions, after the filters.
  LIMIT :bound
) AS bounded
