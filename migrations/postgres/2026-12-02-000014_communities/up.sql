-- Communities of practice. Each is a Group actor (a row in `accounts`);
-- this table holds what makes it a community: the role and place it is
-- for and its policies. Remote communities this server has seen are kept
-- too, so members can find them.
CREATE TABLE communities (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    place TEXT NOT NULL,
    -- `open`: following joins at once; `approval`: a moderator accepts.
    join_policy TEXT NOT NULL,
    -- How link requests from other communities are answered.
    link_policy TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE community_moderators (
    community_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (community_id, account_id)
);
