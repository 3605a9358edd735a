-- Moderation: what admins decided about other servers and about accounts,
-- who decided it and why, and the reports members and other servers file.

-- A server (and its subdomains) an admin limited or cut off.
CREATE TABLE domain_blocks (
    id BIGINT PRIMARY KEY NOT NULL,
    domain TEXT NOT NULL UNIQUE,
    -- 'silence' (hidden from public timelines), 'suspend' (refused, its
    -- follows dropped, its content hidden) or 'noop' (only reject_media).
    severity TEXT NOT NULL,
    reject_media BOOLEAN NOT NULL DEFAULT FALSE,
    private_comment TEXT NOT NULL DEFAULT '',
    public_comment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

-- The servers that may federate in allowlist mode.
CREATE TABLE domain_allows (
    id BIGINT PRIMARY KEY NOT NULL,
    domain TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

-- The standing limits on one account, local or remote.
CREATE TABLE account_moderation (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    suspended_at TIMESTAMP,
    silenced_at TIMESTAMP,
    login_disabled BOOLEAN NOT NULL DEFAULT FALSE,
    sensitive_forced BOOLEAN NOT NULL DEFAULT FALSE
);

-- Every action an admin took, with who and why.
CREATE TABLE moderation_actions (
    id BIGINT PRIMARY KEY NOT NULL,
    target_account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    domain TEXT,
    action TEXT NOT NULL,
    by_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    reason TEXT NOT NULL DEFAULT '',
    report_id BIGINT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX moderation_actions_by_target ON moderation_actions (target_account_id, created_at);

-- A report about an account and some of its statuses, filed by a member
-- here or (as a Flag) by another server.
CREATE TABLE reports (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- JSON lists of ids.
    status_ids TEXT NOT NULL DEFAULT '[]',
    rule_ids TEXT NOT NULL DEFAULT '[]',
    comment TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    forwarded BOOLEAN NOT NULL DEFAULT FALSE,
    -- The Flag's id, for a report that came from or went to another server.
    ap_id TEXT,
    assigned_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    action_taken_at TIMESTAMP,
    action_taken_by_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX reports_open ON reports (action_taken_at, id);
CREATE INDEX reports_by_target ON reports (target_account_id);

-- A member's own blocks of whole servers: nothing from there reaches them,
-- and no one there may follow them.
CREATE TABLE account_domain_blocks (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, domain)
);

-- Accounts a community's moderators banned: they cannot join again and
-- nothing of theirs is re-shared. Also kept for a community elsewhere that
-- banned a member here, so the member is not shown as joined.
CREATE TABLE community_bans (
    community_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (community_id, account_id)
);
