-- What a follower asked for when following: a notification for each new
-- post (`notify`), and whether the account's boosts join their home feed.
ALTER TABLE follows ADD COLUMN notify BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE follows ADD COLUMN show_reblogs BOOLEAN NOT NULL DEFAULT TRUE;

-- A member's private note about another account.
CREATE TABLE account_notes (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    comment TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);

-- Earlier versions of edited statuses, for the edit history apps show.
CREATE TABLE status_edits (
    id BIGINT PRIMARY KEY NOT NULL,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL,
    -- When this version was written (published, or edited into being).
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX status_edits_by_status ON status_edits (status_id, id);
