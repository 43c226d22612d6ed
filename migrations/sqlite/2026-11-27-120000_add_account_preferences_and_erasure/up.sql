-- Private preferences, and the moment an account was erased (its row stays, anonymised, for
-- the records of others that point at it).
ALTER TABLE accounts ADD COLUMN locale TEXT;
ALTER TABLE accounts ADD COLUMN time_zone TEXT;
ALTER TABLE accounts ADD COLUMN erased_at TIMESTAMP;
