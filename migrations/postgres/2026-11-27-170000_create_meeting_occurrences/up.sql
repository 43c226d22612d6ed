-- Upcoming occurrences of every meeting, materialised so that "what starts near here in the
-- next two hours" reads an index instead of expanding every schedule. Rows are rewritten in
-- the transaction of every change to a meeting, its exceptions or its group's listing, and a
-- background job extends them as time passes (meetings.materialized_until).
CREATE TABLE meeting_occurrences (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    scheduled_on DATE NOT NULL,
    group_id TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    cancelled BOOLEAN NOT NULL,
    attendance_mode TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    -- Comma-delimited on both sides (",B,O,"), so one LIKE finds a code.
    types TEXT NOT NULL,
    languages TEXT NOT NULL,
    -- Found by anyone: a public, unarchived group's meeting that is not deleted.
    listed BOOLEAN NOT NULL,
    PRIMARY KEY (meeting_id, scheduled_on)
);
CREATE INDEX meeting_occurrences_start_idx ON meeting_occurrences (listed, starts_at);
CREATE INDEX meeting_occurrences_place_idx ON meeting_occurrences (listed, latitude, starts_at);
CREATE INDEX meeting_occurrences_group_idx ON meeting_occurrences (group_id);

ALTER TABLE meetings ADD COLUMN materialized_until TIMESTAMP;
