ALTER TABLE outbox_emails DROP COLUMN last_error;
ALTER TABLE outbox_emails DROP COLUMN next_attempt_at;
ALTER TABLE outbox_emails DROP COLUMN attempts;
