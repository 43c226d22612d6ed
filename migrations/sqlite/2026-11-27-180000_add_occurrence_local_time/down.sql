DROP INDEX meeting_occurrences_local_idx;
ALTER TABLE meeting_occurrences DROP COLUMN local_minutes;
ALTER TABLE meeting_occurrences DROP COLUMN local_weekday;
