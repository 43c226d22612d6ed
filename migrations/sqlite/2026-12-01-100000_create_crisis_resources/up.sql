-- Administrators' crisis resources: each replaces the built-in resource of its slug, or adds
-- one; a withdrawn entry hides the built-in of its slug.
CREATE TABLE crisis_resources (
    slug TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    -- `*`, an ISO 3166-1 country (`US`) or an ISO 3166-2 subdivision (`US-CA`).
    region TEXT NOT NULL,
    -- BCP 47 tags, comma-separated.
    languages TEXT NOT NULL,
    phone TEXT,
    text_number TEXT,
    text_keyword TEXT,
    chat_url TEXT,
    website TEXT,
    hours TEXT NOT NULL,
    position INTEGER NOT NULL,
    withdrawn BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
