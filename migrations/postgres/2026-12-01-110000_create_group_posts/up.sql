-- Posts in a group's conversation and their replies (a reply names its post). A post its
-- author deleted, or whose author erased their account, stays as a tombstone without body or
-- author, so that the replies under it keep their place.
CREATE TABLE group_posts (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES support_groups (id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES group_posts (id) ON DELETE CASCADE,
    author_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    body TEXT,
    reply_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP,
    deleted_at TIMESTAMP
);
-- A group's posts, newest first; a post's replies, oldest first.
CREATE INDEX group_posts_group_idx ON group_posts (group_id, parent_id, created_at, id);
CREATE INDEX group_posts_parent_idx ON group_posts (parent_id, created_at, id);
-- What a member posted lately, for the rate limit, and what to erase with their account.
CREATE INDEX group_posts_author_idx ON group_posts (author_id, created_at);
