-- ids = JSON array of outbox ids that were delivered.
DELETE FROM outbox WHERE id = ANY(ARRAY(SELECT cast(jsonb_array_elements_text(cast(:ids AS jsonb)) AS bigint)))
