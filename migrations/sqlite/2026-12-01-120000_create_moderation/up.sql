-- Moderation of group conversations. A hidden post stays for its group's moderators (and its
-- author); members no longer see it.
ALTER TABLE group_posts ADD COLUMN hidden_at TIMESTAMP;

-- Members' reports of posts. The reporter is kept for one open report per person, post and
-- reason, and for their data export; moderators never see who reported.
CREATE TABLE post_reports (
    id TEXT PRIMARY KEY NOT NULL,
    post_id TEXT NOT NULL REFERENCES group_posts (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES support_groups (id) ON DELETE CASCADE,
    reporter_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    details TEXT,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
-- A group's queue, by status, oldest first.
CREATE INDEX post_reports_queue_idx ON post_reports (group_id, status, created_at, id);
-- Settling a post's open reports at once; one open report per person, post and reason.
CREATE UNIQUE INDEX post_reports_open_idx ON post_reports (post_id, reporter_id, reason) WHERE status = 'open';
-- A reporter's recent reports, for the rate limit and their export.
CREATE INDEX post_reports_reporter_idx ON post_reports (reporter_id, created_at);

-- The moderation log: who did what to which post or member, when and why. Append-only.
CREATE TABLE moderation_actions (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES support_groups (id) ON DELETE CASCADE,
    moderator_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    post_id TEXT REFERENCES group_posts (id) ON DELETE SET NULL,
    member_id TEXT REFERENCES group_memberships (id) ON DELETE SET NULL,
    reason TEXT,
    muted_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX moderation_actions_group_idx ON moderation_actions (group_id, created_at, id);
-- What concerns one member (their notices, whether they are muted).
CREATE INDEX moderation_actions_member_idx ON moderation_actions (member_id, created_at);
CREATE INDEX moderation_actions_moderator_idx ON moderation_actions (moderator_id);
