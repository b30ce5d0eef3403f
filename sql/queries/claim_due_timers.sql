-- Locks up to limit timers due at now (epoch ms), soonest first, skipping
-- those another scheduler holds.
SELECT cast(jsonb_build_object('id', id, 'workflowId', workflow_id, 'kind', kind,
                               'taskId', task_id, 'attempt', attempt) AS text)
FROM timers
WHERE fire_at <= to_timestamp(:now / 1000.0)
ORDER BY fire_at
LIMIT :limit
FOR UPDATE SKIP LOCKED
