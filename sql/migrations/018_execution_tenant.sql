-- Every execution belongs to a tenant (docs/security.md); executions from
-- before have the default one. A caller lists only its tenant's executions,
-- so the list indexes of migration 016 lead with the tenant: a page is still
-- read in index order. A constant default makes the new column free to add.
ALTER TABLE workflow_executions ADD COLUMN tenant text NOT NULL DEFAULT 'default';
DROP INDEX workflow_executions_created;
DROP INDEX workflow_executions_status_created;
DROP INDEX workflow_executions_started_desc;
DROP INDEX workflow_executions_started_asc;
DROP INDEX workflow_executions_completed_desc;
DROP INDEX workflow_executions_completed_asc;
CREATE INDEX workflow_executions_created
  ON workflow_executions (tenant, created_at DESC, id DESC);
CREATE INDEX workflow_executions_status_created
  ON workflow_executions (tenant, status, created_at DESC, id DESC);
CREATE INDEX workflow_executions_started_desc
  ON workflow_executions (tenant, started_at DESC NULLS LAST, id DESC);
CREATE INDEX workflow_executions_started_asc ON workflow_executions (tenant, started_at, id);
CREATE INDEX workflow_executions_completed_desc
  ON workflow_executions (tenant, completed_at DESC NULLS LAST, id DESC);
CREATE INDEX workflow_executions_completed_asc
  ON workflow_executions (tenant, completed_at, id);
