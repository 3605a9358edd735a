-- Browser sessions for Trellis's own pages, kept apart from API tokens.
-- Stored here (not in a signed cookie) so that every process sharing the
-- database sees a log-out at once. The cookie holds a random token; only
-- its SHA-256 digest is stored.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The token every form of this session must carry.
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions (user_id);

-- Why someone asked to join a network whose sign-ups need approval, and
-- the admin's answer when it was turned down.
CREATE TABLE sign_up_requests (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    turned_down_at TIMESTAMP,
    message TEXT
);
