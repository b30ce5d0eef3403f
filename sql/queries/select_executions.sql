-- ids = JSON array of execution ids. One JSON document per execution.
SELECT cast(jsonb_build_object(
  'id', e.id, 'definition', e.definition, 'status', e.status, 'input', e.input,
  'metadata', e.metadata, 'contextState', e.context_state, 'initiatedBy', e.initiated_by,
  'tenant', e.tenant,
  'errorMessage', e.error_message, 'failureCause', e.failure_cause,
  'createdAt', cast(extract(epoch FROM e.created_at) * 1000 AS bigint),
  'startedAt', coalesce(cast(extract(epoch FROM e.started_at) * 1000 AS bigint), 0),
  'completedAt', coalesce(cast(extract(epoch FROM e.completed_at) * 1000 AS bigint), 0),
  'updatedAt', cast(extract(epoch FROM e.updated_at) * 1000 AS bigint),
  'lastEventSequence', e.last_event_sequence,
  'lastCheckpointSequence', e.last_checkpoint_sequence,
  'version', e.version) AS text)
FROM workflow_executions e
WHERE e.id = ANY(ARRAY(SELECT jsonb_array_elements_text(cast(:ids AS jsonb))))
ORDER BY e.id
