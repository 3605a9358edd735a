DROP INDEX oauth_tokens_refresh;
ALTER TABLE oauth_tokens DROP COLUMN refresh_token_hash;
DROP TABLE oauth_authorizations;
