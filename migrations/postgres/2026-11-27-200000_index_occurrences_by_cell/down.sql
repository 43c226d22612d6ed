DROP INDEX meeting_occurrences_mode_idx;
DROP INDEX meeting_occurrences_cell_idx;
CREATE INDEX meeting_occurrences_place_idx ON meeting_occurrences (listed, latitude, starts_at);
ALTER TABLE meeting_occurrences DROP COLUMN cell;
