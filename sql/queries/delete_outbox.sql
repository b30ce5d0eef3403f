-- ids = JSON array of outbox ids that were delivered.
DELETE FROM outbox WHERE id IN (SELECT cast(jsonb_array_elements_text(cast(:ids AS jsonb)) AS bigint))
