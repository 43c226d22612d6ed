-- Platform editors: people an administrator trusts to write articles and resources for the
-- whole platform. (An organisation's staff write their organisation's own without this.)
CREATE TABLE editors (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    granted_by TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    granted_at TIMESTAMP NOT NULL
);

-- Articles. Topics and tags are stored between commas (`,alcohol,opioids,`) so that one
-- LIKE finds a value; search_text is the lower-cased text a search matches.
CREATE TABLE articles (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    cover_image_url TEXT,
    topics TEXT NOT NULL,
    tags TEXT NOT NULL,
    language TEXT NOT NULL,
    author_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    status TEXT NOT NULL,
    published_at TIMESTAMP,
    organization_id TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    created_by TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- What readers see is ordered by publication: it always has a date.
    CHECK (status NOT IN ('published', 'scheduled') OR published_at IS NOT NULL)
);
-- Readers' lists: published (or due) ones, newest first.
CREATE INDEX articles_published_idx ON articles (status, published_at, id);
-- Editors' lists: by status, latest change first.
CREATE INDEX articles_editing_idx ON articles (status, updated_at, id);

-- Resources: where to find help beyond the groups, for a region and in languages.
CREATE TABLE resources (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT,
    phone TEXT,
    email TEXT,
    region TEXT NOT NULL,
    languages TEXT NOT NULL,
    topics TEXT NOT NULL,
    tags TEXT NOT NULL,
    search_text TEXT NOT NULL,
    status TEXT NOT NULL,
    published_at TIMESTAMP,
    organization_id TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    created_by TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- What readers see is ordered by publication: it always has a date.
    CHECK (status NOT IN ('published', 'scheduled') OR published_at IS NOT NULL)
);
CREATE INDEX resources_published_idx ON resources (status, published_at, id);
CREATE INDEX resources_editing_idx ON resources (status, updated_at, id);
