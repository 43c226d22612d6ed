-- The local weekday (0 = Monday) and minute of day of each occurrence, for "Tuesday
-- evenings" searches. Rows already materialised get them when next refreshed: clearing the
-- horizon makes the background job refresh every meeting at once.
ALTER TABLE meeting_occurrences ADD COLUMN local_weekday INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meeting_occurrences ADD COLUMN local_minutes INTEGER NOT NULL DEFAULT 0;
CREATE INDEX meeting_occurrences_local_idx ON meeting_occurrences (listed, local_weekday, local_minutes);
UPDATE meetings SET materialized_until = NULL;
