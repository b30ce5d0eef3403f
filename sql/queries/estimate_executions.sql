-- The planner statistics estimate of how many executions of a status a
-- tenant has (status empty = every status), for counts beyond what is
-- counted exactly, taking tenant and status as independent. A value missing
-- from the most common values estimates 0, so the caller keeps its exact
-- lower bound. reltuples is -1 before the first ANALYZE.
SELECT cast(greatest(c.reltuples, 0) * coalesce((
  SELECT s.most_common_freqs[array_position(cast(cast(s.most_common_vals AS text) AS text[]),
                                            cast(:tenant AS text))]
  FROM pg_stats s
  WHERE s.schemaname = current_schema() AND s.tablename = 'workflow_executions'
    AND s.attname = 'tenant'), 0) * CASE WHEN :status = '' THEN 1 ELSE coalesce((
  SELECT s.most_common_freqs[array_position(cast(cast(s.most_common_vals AS text) AS text[]),
                                            cast(:status AS text))]
  FROM pg_stats s
  WHERE s.schemaname = current_schema() AND s.tablename = 'workflow_executions'
    AND s.attname = 'status'), 0) END AS bigint)
FROM pg_class c
WHERE c.oid = cast('workflow_executions' AS regclass)
