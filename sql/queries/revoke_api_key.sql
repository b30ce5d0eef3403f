-- Revokes one API key; no row changes when it is unknown or revoked already.
UPDATE api_keys SET revoked_at = now() WHERE id = :id AND revoked_at IS NULL
