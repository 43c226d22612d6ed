-- Searches page by (starts_at, meeting_id, scheduled_on). With only starts_at in the index,
-- a page must read every occurrence that shares the start of its last one (at scale,
-- thousands begin at 19:00 sharp) to order them by meeting; with the whole key the read
-- stops at the page's end.
DROP INDEX meeting_occurrences_start_idx;
DROP INDEX meeting_occurrences_mode_idx;
CREATE INDEX meeting_occurrences_start_idx ON meeting_occurrences (listed, starts_at, meeting_id, scheduled_on);
CREATE INDEX meeting_occurrences_mode_idx ON meeting_occurrences (listed, attendance_mode, starts_at, meeting_id, scheduled_on);
