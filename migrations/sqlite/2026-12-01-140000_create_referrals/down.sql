DROP TRIGGER audit_records_no_delete;
DROP TRIGGER audit_records_no_update;
DROP TABLE audit_records;
DROP TABLE referral_events;
DROP TABLE referrals;
