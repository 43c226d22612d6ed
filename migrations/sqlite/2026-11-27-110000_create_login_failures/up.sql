-- Failed logins, for throttling. `subject` is a SHA-256 of the attempted email or of the
-- client address, so the table never holds who tried to log in. Rows older than the
-- throttling window are pruned as new ones arrive.
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_subject_idx ON login_failures (subject, failed_at);
CREATE INDEX login_failures_failed_at_idx ON login_failures (failed_at);
