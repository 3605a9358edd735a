-- Authorization codes of the OAuth code flow, stored hashed, single use.
CREATE TABLE oauth_authorizations (
    code_hash TEXT PRIMARY KEY NOT NULL,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT,
    expires_at TIMESTAMP NOT NULL
);
-- Refresh tokens, hashed like access tokens.
ALTER TABLE oauth_tokens ADD COLUMN refresh_token_hash TEXT;
CREATE UNIQUE INDEX oauth_tokens_refresh ON oauth_tokens (refresh_token_hash);
