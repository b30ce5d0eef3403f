-- `iterative` workflows run their step list several times: which run a task
-- belongs to. Dynamic workflows add steps, so the stored definition changes too.
ALTER TABLE tasks ADD COLUMN iteration integer NOT NULL DEFAULT 1;
