-- The executions of one workflow definition, newest first (GET
-- /api/v1/executions?workflow_id=...), read in index order like the other
-- lists of migration 018.
CREATE INDEX workflow_executions_definition_created
  ON workflow_executions (tenant, definition_id, created_at DESC, id DESC);
