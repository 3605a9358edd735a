-- Blocks, local or received: no follows either way, and the blocked
-- account's posts and notifications stay out of the blocker's sight.
CREATE TABLE blocks (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    ap_id TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_by_target ON blocks (target_account_id);
-- Mutes are private to the member: nobody else hears of them.
CREATE TABLE mutes (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    notifications BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, target_account_id)
);
