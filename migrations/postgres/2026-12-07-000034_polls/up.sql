-- Polls (ActivityPub `Question`s): one per status that asks one, local or
-- remote.
CREATE TABLE polls (
    status_id BIGINT PRIMARY KEY NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    multiple BOOLEAN NOT NULL,
    hide_totals BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at TIMESTAMP,
    -- When the poll was seen to end: set by the sweep that tells voters
    -- (and, for a member's poll, sends the final counts), or by a remote
    -- server's `closed`.
    closed_at TIMESTAMP,
    -- Accounts that voted: counted here for a member's poll, as its server
    -- says for a remote one (NULL when it does not say).
    voters_count INTEGER,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX polls_open_by_expiry ON polls (expires_at) WHERE closed_at IS NULL;

CREATE TABLE poll_options (
    status_id BIGINT NOT NULL REFERENCES polls (status_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    votes_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (status_id, position)
);

-- Votes by members (on any poll) and by remote accounts (on members'
-- polls); `ap_id` names the vote's `Note`.
CREATE TABLE poll_votes (
    status_id BIGINT NOT NULL REFERENCES polls (status_id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice INTEGER NOT NULL,
    ap_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (status_id, account_id, choice)
);
CREATE UNIQUE INDEX poll_votes_by_ap_id ON poll_votes (ap_id);
CREATE INDEX poll_votes_by_account ON poll_votes (account_id);
