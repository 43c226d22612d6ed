-- Delivery bookkeeping for the mail outbox: a node claims a message by pushing its
-- next_attempt_at forward (a lease), and a failed attempt schedules the next with backoff.
ALTER TABLE outbox_emails ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox_emails ADD COLUMN next_attempt_at TIMESTAMP;
ALTER TABLE outbox_emails ADD COLUMN last_error TEXT;
