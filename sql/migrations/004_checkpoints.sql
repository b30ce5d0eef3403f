CREATE TABLE checkpoints (
  workflow_id        text NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
  sequence           bigint NOT NULL,
  type               text NOT NULL,
  completed_task_id  text NOT NULL DEFAULT '',
  next_task_id       text NOT NULL DEFAULT '',
  context_snapshot   jsonb NOT NULL,
  created_at         timestamptz NOT NULL,
  PRIMARY KEY (workflow_id, sequence)
);
