-- Images and other media: attached to statuses, or an account's avatar or
-- header. A local file has keys in the media store; a remote one is known
-- by the URL its server gave.
CREATE TABLE media_attachments (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- attachment, avatar or header
    role TEXT NOT NULL,
    -- Set when a status takes the upload; uploads never taken are removed
    -- after a day.
    status_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    -- image, gifv, video, audio or unknown, as Mastodon names them
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file_key TEXT,
    preview_key TEXT,
    remote_url TEXT,
    file_size BIGINT NOT NULL DEFAULT 0,
    width INTEGER,
    height INTEGER,
    preview_width INTEGER,
    preview_height INTEGER,
    blurhash TEXT,
    description TEXT NOT NULL DEFAULT '',
    focus_x DOUBLE PRECISION NOT NULL DEFAULT 0,
    focus_y DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX media_by_status ON media_attachments (status_id, position);
CREATE INDEX media_by_account ON media_attachments (account_id, role);
CREATE INDEX media_unattached ON media_attachments (created_at) WHERE status_id IS NULL;
