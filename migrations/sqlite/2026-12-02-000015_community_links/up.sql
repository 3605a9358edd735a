-- Links between communities: this side's record of a link with another
-- community (here or elsewhere). `direction` says what the other community
-- is to this one (peer, parent or child); `flow` what this side sends
-- across (all it re-shares, or only curated posts).
CREATE TABLE community_links (
    id BIGINT PRIMARY KEY NOT NULL,
    community_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    direction TEXT NOT NULL,
    flow TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (community_id, target_account_id)
);
CREATE INDEX community_links_by_target ON community_links (target_account_id);

-- Posts a community's moderators picked to cross curated links.
CREATE TABLE community_picks (
    community_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    PRIMARY KEY (community_id, status_id)
);
