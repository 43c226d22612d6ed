DROP TABLE audit_records;
DROP FUNCTION audit_records_append_only();
DROP TABLE referral_events;
DROP TABLE referrals;
