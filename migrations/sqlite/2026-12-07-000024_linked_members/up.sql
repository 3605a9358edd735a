-- People known to be members of a community on another server that is
-- linked with a community here, learnt from that community's list of its
-- discoverable members. Suggestions match their practice, and the map
-- shows their community.
CREATE TABLE linked_members (
    community_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (community_id, account_id)
);
CREATE INDEX linked_members_account ON linked_members (account_id);
