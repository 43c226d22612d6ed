-- Meetings of groups: schedules in local wall-clock time in the meeting's zone, and
-- exceptions to single occurrences.
CREATE TABLE meetings (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES support_groups (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    attendance_mode TEXT NOT NULL CHECK (attendance_mode IN ('in_person', 'online', 'hybrid')),
    venue_name TEXT,
    street TEXT,
    locality TEXT,
    region TEXT,
    postal_code TEXT,
    country TEXT,
    formatted_address TEXT,
    latitude REAL,
    longitude REAL,
    venue_notes TEXT,
    conference_url TEXT,
    conference_phone TEXT,
    online_notes TEXT,
    time_zone TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 720),
    -- Meeting Guide codes and BCP 47 tags, comma-separated and sorted.
    types TEXT NOT NULL,
    languages TEXT NOT NULL,
    capacity INTEGER CHECK (capacity > 0),
    -- `once`, `weekly;interval=2;days=mon,thu` or `monthly;ordinal=last;day=fri`.
    recurrence TEXT NOT NULL,
    start_time TIME NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE,
    public_links BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX meetings_group_idx ON meetings (group_id, id);
CREATE INDEX meetings_updated_idx ON meetings (updated_at, id);

CREATE TABLE meeting_exceptions (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    scheduled_on DATE NOT NULL,
    cancelled BOOLEAN NOT NULL,
    -- The new local start, in the meeting's zone.
    moved_to TIMESTAMP,
    note TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, scheduled_on)
);
