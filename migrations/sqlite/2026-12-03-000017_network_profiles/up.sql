-- What other networks' actors publish about themselves (`trellis:network`):
-- name, place, level, type and charter, as this server last read them.
CREATE TABLE network_profiles (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    profile TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
