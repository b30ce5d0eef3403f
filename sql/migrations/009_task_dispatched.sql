-- Whether a task's current attempt was sent (false while a paused workflow
-- holds it back). Rows from before: an attempt > 0 was sent.
ALTER TABLE tasks ADD COLUMN dispatched boolean NOT NULL DEFAULT false;
UPDATE tasks SET dispatched = attempt > 0;
