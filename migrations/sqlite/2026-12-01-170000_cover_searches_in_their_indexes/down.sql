DROP INDEX meeting_occurrences_mode_idx;
DROP INDEX meeting_occurrences_cell_idx;
CREATE INDEX meeting_occurrences_cell_idx ON meeting_occurrences (listed, cell, starts_at);
CREATE INDEX meeting_occurrences_mode_idx ON meeting_occurrences (listed, attendance_mode, starts_at, meeting_id, scheduled_on);
