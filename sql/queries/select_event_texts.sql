-- id = execution id. Its event log in sequence order, each as (sequence,
-- type, severity, data as JSON text or empty when it has none, created_at in
-- epoch ms). For a long log to be served without parsing or building JSON of
-- each event, here (json_agg takes 50 ms for 10,000) or in C++.
SELECT sequence, type, severity,
       CASE WHEN data IN (cast('{}' AS jsonb), cast('null' AS jsonb)) THEN ''
            ELSE cast(data AS text) END,
       cast(extract(epoch FROM created_at) * 1000 AS bigint)
FROM workflow_events
WHERE workflow_id = :id
ORDER BY sequence
