DROP TABLE idempotency_keys;
DROP TABLE meeting_rsvps;
