-- Hashtags a member shows on their profile (Mastodon's featured tags).
CREATE TABLE featured_tags (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, name)
);
-- Hashtags a member follows: public posts that carry one reach their home
-- feed as posts of the people they follow do.
CREATE TABLE followed_tags (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX followed_tags_by_name ON followed_tags (name);
