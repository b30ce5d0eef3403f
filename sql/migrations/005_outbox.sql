-- Messages that leave with a state change, written in the same transaction
-- and published by the relay. Rows are claimed with FOR UPDATE SKIP LOCKED and
-- deleted after the delivery report (id order is not commit order, so no
-- "id > last seen" cursor).
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  topic       text NOT NULL,
  key         text NOT NULL,
  payload     bytea NOT NULL,
  headers     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);
