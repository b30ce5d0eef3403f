-- ids = JSON array of timer ids that were applied.
DELETE FROM timers WHERE id = ANY(ARRAY(SELECT cast(jsonb_array_elements_text(cast(:ids AS jsonb)) AS bigint)))
