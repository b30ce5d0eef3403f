-- The control plane lists tasks of a tenant (GET /v1/tasks), newest first,
-- filtered by agent type, status and priority. Each task carries its
-- execution's tenant and its step's priority (0 low, 1 normal, 2 medium,
-- 3 high, 4 critical), both set once when the task is inserted, so a page is
-- read in index order without a join. Rows from before take their
-- execution's tenant.
ALTER TABLE tasks ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE tasks ADD COLUMN priority smallint NOT NULL DEFAULT 1;
UPDATE tasks t SET tenant = e.tenant
FROM workflow_executions e
WHERE e.id = t.workflow_id AND e.tenant <> 'default';
-- No default from now on: a writer that does not say whose a task is (an
-- older scheduler still running) fails instead of filing it under default.
ALTER TABLE tasks ALTER COLUMN tenant DROP DEFAULT;
CREATE INDEX tasks_tenant_created ON tasks (tenant, created_at DESC, id DESC);
