-- "Near here, soon" reads the 0.1° grid cells around the point (a handful of exact index
-- ranges) instead of a latitude band across the whole map; "online, happening now" reads
-- backwards from now by attendance mode. Rows get their cell when next refreshed: clearing the
-- horizon makes the background job refresh every meeting at once.
ALTER TABLE meeting_occurrences ADD COLUMN cell INTEGER;
DROP INDEX meeting_occurrences_place_idx;
CREATE INDEX meeting_occurrences_cell_idx ON meeting_occurrences (listed, cell, starts_at);
CREATE INDEX meeting_occurrences_mode_idx ON meeting_occurrences (listed, attendance_mode, starts_at);
UPDATE meetings SET materialized_until = NULL;
