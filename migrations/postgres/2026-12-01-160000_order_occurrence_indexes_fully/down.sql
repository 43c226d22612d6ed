DROP INDEX meeting_occurrences_mode_idx;
DROP INDEX meeting_occurrences_start_idx;
CREATE INDEX meeting_occurrences_start_idx ON meeting_occurrences (listed, starts_at);
CREATE INDEX meeting_occurrences_mode_idx ON meeting_occurrences (listed, attendance_mode, starts_at);
