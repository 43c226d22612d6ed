-- Peer support groups ("groups" is an SQL keyword), their tags, slugs past and present,
-- memberships and invitations.
CREATE TABLE support_groups (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- Lower-cased name, byte-ordered on both databases, so name order and its cursors agree.
    name_key TEXT COLLATE "C" NOT NULL,
    -- Lower-cased name, description and locality that text search matches.
    search_text TEXT NOT NULL,
    description TEXT NOT NULL,
    approach TEXT,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private')),
    join_policy TEXT NOT NULL CHECK (join_policy IN ('open', 'request', 'invite')),
    capacity INTEGER CHECK (capacity > 0),
    member_count INTEGER NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    organization_id TEXT REFERENCES organizations (id),
    contact_kind TEXT CHECK (contact_kind IN ('email', 'phone', 'url')),
    contact_value TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    locality TEXT,
    region TEXT,
    country TEXT,
    time_zone TEXT,
    -- Once public, a group's id is public knowledge: sync feeds may announce its removal.
    was_public BOOLEAN NOT NULL,
    created_by TEXT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
CREATE INDEX support_groups_name_idx ON support_groups (name_key, id);
CREATE INDEX support_groups_updated_idx ON support_groups (updated_at, id);
CREATE INDEX support_groups_location_idx ON support_groups (latitude, longitude);
CREATE INDEX support_groups_organization_idx ON support_groups (organization_id);

-- Focus areas, audiences and languages: one row per value, for indexed filters.
CREATE TABLE group_tags (
    group_id TEXT NOT NULL REFERENCES support_groups (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('focus', 'audience', 'language')),
    value TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (group_id, kind, value)
);
CREATE INDEX group_tags_value_idx ON group_tags (kind, value, group_id);

-- Every slug a group ever had; old ones keep resolving, and no other group may take them.
CREATE TABLE group_slugs (
    slug TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES support_groups (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX group_slugs_group_idx ON group_slugs (group_id);

CREATE TABLE group_memberships (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES support_groups (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('member', 'facilitator', 'owner')),
    status TEXT NOT NULL
        CHECK (status IN ('pending', 'active', 'declined', 'left', 'removed', 'banned')),
    message TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    joined_at TIMESTAMP,
    UNIQUE (group_id, account_id)
);
CREATE INDEX group_memberships_group_status_idx ON group_memberships (group_id, status, id);
CREATE INDEX group_memberships_account_idx ON group_memberships (account_id, status);

-- Invitation codes are stored as SHA-256 hashes; each admits one person once.
CREATE TABLE group_invitations (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES support_groups (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    used_by TEXT REFERENCES accounts (id),
    revoked_at TIMESTAMP
);
CREATE INDEX group_invitations_group_idx ON group_invitations (group_id, id);
