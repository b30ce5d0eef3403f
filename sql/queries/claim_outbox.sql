-- Claims up to limit unsent messages that are due, oldest first; rows another
-- relay holds are skipped. Held until the claiming transaction ends. Plain
-- columns (id, topic, key, payload in hex, headers as JSON text), not one
-- JSON object per row, which the server built and the relay parsed again.
SELECT id, topic, key, encode(payload, 'hex'), cast(headers AS text)
FROM outbox
WHERE next_attempt_at <= now()
ORDER BY id
LIMIT :limit
FOR UPDATE SKIP LOCKED
