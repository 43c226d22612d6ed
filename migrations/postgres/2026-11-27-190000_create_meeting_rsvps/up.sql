-- RSVPs to single occurrences, first come first served: a place while the meeting has one, the
-- waitlist after, promoted in order of arrival (created_at, then id) when a place frees.
CREATE TABLE meeting_rsvps (
    id TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    scheduled_on DATE NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('going', 'waitlisted')),
    -- The occurrence's times, kept current when it moves, so that attendance history and
    -- "still to come" need no schedule.
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    checked_in_at TIMESTAMP
);
CREATE UNIQUE INDEX meeting_rsvps_person_idx ON meeting_rsvps (meeting_id, scheduled_on, account_id);
CREATE INDEX meeting_rsvps_queue_idx ON meeting_rsvps (meeting_id, scheduled_on, status, created_at, id);
CREATE INDEX meeting_rsvps_account_idx ON meeting_rsvps (account_id, starts_at, id);

-- Answers to requests that carried an `Idempotency-Key`, kept for 24 hours so that a retried
-- request gets the first answer instead of acting twice.
CREATE TABLE idempotency_keys (
    -- The account or API client that sent the request: keys are scoped to their sender.
    principal TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    -- SHA-256 of the method, path and body: the same key with another request is refused.
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
