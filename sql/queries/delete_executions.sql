-- ids = JSON array of execution ids; tasks, events and checkpoints go with them.
DELETE FROM workflow_executions WHERE id = ANY(ARRAY(SELECT jsonb_array_elements_text(cast(:ids AS jsonb))))
