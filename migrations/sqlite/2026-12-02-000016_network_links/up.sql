-- Networks this one is linked with vertically: the parent it declared
-- (`parent`), and the networks that declared this one their parent
-- (`child`). Each row names the other network's actor.
CREATE TABLE network_links (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
