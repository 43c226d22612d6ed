-- "Near here, soon" reads the 0.1° grid cells around the point (a handful of exact index
-- ranges) instead of a latitude band across the whole map; "online, happening now" reads
-- backwards from now by attendance mode. The cell is Point::cell (0.1° rows of 3601 cells
-- from the south-west); clearing the horizon also has the background job rewrite every row.
ALTER TABLE meeting_occurrences ADD COLUMN cell INTEGER;
UPDATE meeting_occurrences SET cell = CAST((latitude + 90) / 0.1 AS INTEGER) * 3601 + CAST((longitude + 180) / 0.1 AS INTEGER)
WHERE latitude IS NOT NULL AND longitude IS NOT NULL;
DROP INDEX meeting_occurrences_place_idx;
CREATE INDEX meeting_occurrences_cell_idx ON meeting_occurrences (listed, cell, starts_at);
CREATE INDEX meeting_occurrences_mode_idx ON meeting_occurrences (listed, attendance_mode, starts_at);
UPDATE meetings SET materialized_until = NULL;
