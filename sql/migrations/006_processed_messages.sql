-- Ids of the commands and task events already applied: a message applies at
-- most once, whatever Kafka redelivers.
CREATE TABLE processed_messages (
  id            text PRIMARY KEY,
  processed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_messages_age ON processed_messages (processed_at);
