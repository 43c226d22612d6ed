-- "Near here, starting soon" reads every occurrence of the circle's cells in its window, a
-- few hundred at 1,000,000 meetings, to keep the in-person ones inside the box: with the
-- filtered and selected columns in the index, those reads never visit the table (an
-- index-only scan on PostgreSQL, a covering index on SQLite). The same for the mode index,
-- whose "happening now" reads skip the occurrences that already ended.
DROP INDEX meeting_occurrences_cell_idx;
DROP INDEX meeting_occurrences_mode_idx;
CREATE INDEX meeting_occurrences_cell_idx ON meeting_occurrences (listed, cell, starts_at, attendance_mode, cancelled, latitude, longitude, meeting_id, scheduled_on, ends_at);
CREATE INDEX meeting_occurrences_mode_idx ON meeting_occurrences (listed, attendance_mode, starts_at, meeting_id, scheduled_on, cancelled, ends_at, latitude, longitude, cell);
