-- GET /api/workflows sorts by startedAt or completedAt too.
CREATE INDEX workflow_executions_started ON workflow_executions (started_at DESC NULLS LAST);
CREATE INDEX workflow_executions_completed ON workflow_executions (completed_at DESC NULLS LAST);
