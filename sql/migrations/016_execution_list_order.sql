-- GET /api/workflows reads a page in index order instead of sorting every
-- matching row (a second and more at a million executions). Each index
-- holds the whole sort key, id included as the tie-break; created_at is NOT
-- NULL, so one index serves both directions; started_at and completed_at
-- sort NULLs last in both directions, which takes an index for each.
DROP INDEX workflow_executions_status_created;
DROP INDEX workflow_executions_created;
DROP INDEX workflow_executions_started;
DROP INDEX workflow_executions_completed;
CREATE INDEX workflow_executions_created ON workflow_executions (created_at DESC, id DESC);
CREATE INDEX workflow_executions_status_created
  ON workflow_executions (status, created_at DESC, id DESC);
CREATE INDEX workflow_executions_started_desc
  ON workflow_executions (started_at DESC NULLS LAST, id DESC);
CREATE INDEX workflow_executions_started_asc ON workflow_executions (started_at, id);
CREATE INDEX workflow_executions_completed_desc
  ON workflow_executions (completed_at DESC NULLS LAST, id DESC);
CREATE INDEX workflow_executions_completed_asc ON workflow_executions (completed_at, id);
