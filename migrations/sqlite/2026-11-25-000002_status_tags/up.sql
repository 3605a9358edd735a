-- Hashtags of each status, lower-cased and without '#', for tag pages and
-- tag timelines.
CREATE TABLE status_tags (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (status_id, tag)
);
CREATE INDEX status_tags_by_tag ON status_tags (tag, status_id);
