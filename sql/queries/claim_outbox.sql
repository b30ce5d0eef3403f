-- Claims up to limit unsent messages that are due, oldest first; rows another
-- relay holds are skipped. Held until the claiming transaction ends.
SELECT cast(jsonb_build_object('id', id, 'topic', topic, 'key', key,
                          'payload', encode(payload, 'hex'), 'headers', headers) AS text)
FROM outbox
WHERE next_attempt_at <= now()
ORDER BY id
LIMIT :limit
FOR UPDATE SKIP LOCKED
