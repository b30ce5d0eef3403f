-- rows = JSON array of {topic, key, payload (hex), headers (object)}, in send order.
INSERT INTO outbox (topic, key, payload, headers)
SELECT r.topic, r.key, decode(r.payload, 'hex'), r.headers
FROM ROWS FROM (jsonb_to_recordset(cast(:rows AS jsonb))
                AS (topic text, key text, payload text, headers jsonb))
     WITH ORDINALITY AS r(topic, key, payload, headers, ord)
ORDER BY r.ord
