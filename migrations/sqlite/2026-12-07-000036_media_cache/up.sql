-- The cache of remote media. A remote row with a file_key holds a copy made
-- here; cache_attempted_at says a copy was tried (so a failed fetch is not
-- repeated) and, for a held copy, how old it is, the oldest going first
-- when the cache is over its bound. cached_bytes counts the file and its
-- preview.
ALTER TABLE media_attachments ADD COLUMN cache_attempted_at TIMESTAMP;
ALTER TABLE media_attachments ADD COLUMN cached_bytes BIGINT NOT NULL DEFAULT 0;
CREATE INDEX media_cache_queue ON media_attachments (id)
    WHERE remote_url IS NOT NULL AND cache_attempted_at IS NULL;
CREATE INDEX media_cached_oldest ON media_attachments (cache_attempted_at)
    WHERE remote_url IS NOT NULL AND file_key IS NOT NULL;
