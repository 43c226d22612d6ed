-- Referrals from partner clinics. What identifies or describes the client (their name, contact,
-- language, notes and needs, and who consented to what) is sealed with HEARTH_DATA_KEY in
-- `sealed`, bound to the referral's id; it is erased (NULL) when the client revokes consent.
-- The rest is the metadata Hearth needs to route, expire and report on referrals.
CREATE TABLE referrals (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    group_id TEXT NOT NULL REFERENCES support_groups (id),
    status TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'declined', 'contacted',
        'connected', 'closed', 'withdrawn', 'expired')),
    sealed BYTEA,
    consent_given_at TIMESTAMP NOT NULL,
    consent_expires_at TIMESTAMP NOT NULL,
    consent_revoked_at TIMESTAMP,
    -- When an unanswered referral expires; fixed at submission, so changing the setting does
    -- not move the deadline of referrals already sent.
    respond_by TIMESTAMP NOT NULL,
    -- The group invitation the facilitators passed on when they accepted: joining with it
    -- connects the referral.
    invitation_id TEXT UNIQUE REFERENCES group_invitations (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- An organisation's referrals and a group's, newest first.
CREATE INDEX referrals_organization_idx ON referrals (organization_id, created_at, id);
CREATE INDEX referrals_group_idx ON referrals (group_id, created_at, id);
-- Unanswered referrals by deadline, for the expiry sweep.
CREATE INDEX referrals_due_idx ON referrals (respond_by) WHERE status = 'submitted';

-- A referral's timeline: every change of status, by which party. A reason may describe the
-- client, so it is sealed like the client's data and erased with it.
CREATE TABLE referral_events (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    from_status TEXT,
    status TEXT NOT NULL,
    actor TEXT NOT NULL CHECK (actor IN ('clinic', 'facilitator', 'system')),
    sealed_reason BYTEA,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX referral_events_referral_idx ON referral_events (referral_id, created_at, id);

-- Every access to a referral: who (an account, an API client or Hearth itself), for which
-- organisation, what, with what outcome, in which request. Never updated, never deleted: the
-- triggers below refuse it, whatever the caller.
CREATE TABLE audit_records (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    referral_id TEXT REFERENCES referrals (id),
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('account', 'api_client', 'system')),
    actor_id TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied', 'refused')),
    detail TEXT,
    request_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_records_organization_idx ON audit_records (organization_id, created_at, id);
CREATE INDEX audit_records_referral_idx ON audit_records (referral_id, created_at, id);
CREATE FUNCTION audit_records_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
