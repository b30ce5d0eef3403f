-- id = execution id, after = only events with a greater sequence.
SELECT cast(jsonb_build_object(
  'sequence', sequence, 'type', type, 'severity', severity, 'data', data,
  'timestamp', cast(extract(epoch FROM created_at) * 1000 AS bigint)) AS text)
FROM workflow_events
WHERE workflow_id = :id AND sequence > :after
ORDER BY sequence
