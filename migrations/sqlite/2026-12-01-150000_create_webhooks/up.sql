-- Organisations' webhook endpoints. The signing secret is needed in the clear to sign, so it is
-- sealed with HEARTH_DATA_KEY rather than hashed. A removed endpoint keeps its row (and its
-- deliveries' history) with `removed_at` set.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    sealed_secret BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    removed_at TIMESTAMP
);
CREATE INDEX webhooks_organization_idx ON webhooks (organization_id, created_at, id);

-- The outbox: one row per event and endpoint, written in the transaction of the change it
-- reports, delivered by a background worker that claims due rows (`FOR UPDATE SKIP LOCKED` on
-- PostgreSQL) and leases them, so no two workers send one at the same time and a worker that
-- dies leaves its rows to be claimed again.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP,
    -- Who holds the delivery while it is being sent: an attempt is recorded only by the worker
    -- whose claim it still is.
    claim TEXT,
    give_up_at TIMESTAMP NOT NULL,
    last_status_code INTEGER,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
-- Due deliveries, for the worker.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
-- An endpoint's deliveries, newest first.
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at, id);
