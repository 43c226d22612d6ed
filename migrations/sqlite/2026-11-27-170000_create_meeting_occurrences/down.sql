ALTER TABLE meetings DROP COLUMN materialized_until;
DROP TABLE meeting_occurrences;
