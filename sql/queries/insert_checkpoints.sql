-- rows = JSON array of checkpoints, created_at in epoch ms; results_added
-- holds the results the checkpoint adds (task id to response).
INSERT INTO checkpoints (workflow_id, sequence, type, completed_task_id, next_task_id,
                         context_snapshot, results_added, created_at)
SELECT r.workflow_id, r.sequence, r.type, r.completed_task_id, r.next_task_id,
       r.context_snapshot, r.results_added, to_timestamp(r.created_at / 1000.0)
FROM jsonb_to_recordset(cast(:rows AS jsonb)) AS r(
  workflow_id text, sequence bigint, type text, completed_task_id text, next_task_id text,
  context_snapshot jsonb, results_added jsonb, created_at bigint)
