ALTER TABLE accounts DROP COLUMN erased_at;
ALTER TABLE accounts DROP COLUMN time_zone;
ALTER TABLE accounts DROP COLUMN locale;
