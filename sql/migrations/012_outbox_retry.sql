-- Rows whose send failed in a way a retry can fix (their topic does not exist
-- yet, say) wait with backoff, so the rows behind them flow meanwhile.
ALTER TABLE outbox
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT '-infinity';
