-- Why a task or an execution failed, by name (engine::FailureCause), so that
-- answers (504 step timeout, 499 cancelled, 408 workflow timeout) need not
-- match error messages. Rows written before this migration get it from their
-- messages, the way those answers used to.
ALTER TABLE tasks ADD COLUMN failure_cause text NOT NULL DEFAULT '';
ALTER TABLE workflow_executions ADD COLUMN failure_cause text NOT NULL DEFAULT '';
UPDATE tasks SET failure_cause = CASE
    WHEN error_message LIKE 'Step timed out%' THEN 'step_timeout'
    WHEN error_message LIKE 'Cancelled%' THEN 'cancelled'
    WHEN status = 'skipped' THEN 'skipped'
    ELSE 'agent_error' END
  WHERE status IN ('failed', 'skipped');
UPDATE workflow_executions SET failure_cause = CASE
    WHEN error_message LIKE 'Workflow timed out%' THEN 'workflow_timeout'
    WHEN status = 'cancelled' THEN 'cancelled'
    ELSE 'task_failed' END
  WHERE status IN ('failed', 'cancelled');
