-- Forgets up to `limit` message ids processed before `before` (epoch ms),
-- oldest first, through the processed_at index; the caller repeats until
-- fewer come back, so no statement holds many row locks for long. Rows
-- held by the round of another scheduler are skipped, not waited for.
DELETE FROM processed_messages
WHERE id IN (SELECT id FROM processed_messages
             WHERE processed_at < to_timestamp(:before / 1000.0)
             ORDER BY processed_at
             LIMIT :limit
             FOR UPDATE SKIP LOCKED)
