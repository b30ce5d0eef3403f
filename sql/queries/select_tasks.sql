-- ids = JSON array of execution ids. Tasks in execution then step order.
SELECT cast(jsonb_build_object(
  'id', t.id, 'workflowId', t.workflow_id, 'stepId', t.step_id, 'name', t.name,
  'agentType', t.agent_type, 'status', t.status, 'attempt', t.attempt, 'dispatched', t.dispatched,
  'retryCount', t.retry_count, 'maxRetries', t.max_retries, 'iteration', t.iteration, 'dependsOn', t.depends_on,
  'request', t.request, 'response', t.response, 'errorMessage', t.error_message,
  'failureCause', t.failure_cause,
  'progress', t.progress,
  'createdAt', cast(extract(epoch FROM t.created_at) * 1000 AS bigint),
  'startedAt', coalesce(cast(extract(epoch FROM t.started_at) * 1000 AS bigint), 0),
  'completedAt', coalesce(cast(extract(epoch FROM t.completed_at) * 1000 AS bigint), 0)) AS text)
FROM tasks t
WHERE t.workflow_id = ANY(ARRAY(SELECT jsonb_array_elements_text(cast(:ids AS jsonb))))
ORDER BY t.workflow_id, t.position
