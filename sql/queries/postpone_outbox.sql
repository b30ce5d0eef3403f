-- ids = JSON array of outbox ids whose send can succeed later, due again
-- after 100 ms doubled per attempt, at most 30 s.
UPDATE outbox
SET attempts = attempts + 1,
    next_attempt_at = now() + least(interval '30 seconds',
                                    interval '100 milliseconds' * power(2, least(attempts, 20)))
WHERE id = ANY(ARRAY(SELECT cast(jsonb_array_elements_text(cast(:ids AS jsonb)) AS bigint)))
