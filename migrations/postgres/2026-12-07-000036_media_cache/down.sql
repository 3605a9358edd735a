DROP INDEX media_cached_oldest;
DROP INDEX media_cache_queue;
ALTER TABLE media_attachments DROP COLUMN cached_bytes;
ALTER TABLE media_attachments DROP COLUMN cache_attempted_at;
