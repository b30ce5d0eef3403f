-- The id of the message (command or task event) whose application logged the
-- event; NULL for events of timers. A message applies at most once, so no two
-- events of one message share a type and task: tests and operators can check.
ALTER TABLE workflow_events ADD COLUMN source_message_id text;
