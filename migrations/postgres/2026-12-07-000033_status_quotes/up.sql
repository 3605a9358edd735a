-- A status that quotes another (FEP-044f, Misskey, Fedibird): the quoted
-- status's id as its server names it, and the row here once it is known.
CREATE TABLE status_quotes (
    status_id BIGINT PRIMARY KEY NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    quoted_status_id BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    quoted_uri TEXT NOT NULL
);
CREATE INDEX status_quotes_by_quoted ON status_quotes (quoted_status_id);
