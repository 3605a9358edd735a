-- Changes that open streaming connections are told about. Each row is
-- written in the transaction of the change it reports, so a connection never
-- hears of a change that rolled back, and every server process (there may be
-- several on one PostgreSQL database) reads the same log. Rows are kept for
-- minutes only.
CREATE TABLE stream_events (
    id BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    status_id BIGINT,
    notification_id BIGINT,
    -- The member told (notifications) or, for a deleted status that was not
    -- public, a JSON list of the members whose home feeds held it.
    account_id BIGINT,
    audience TEXT,
    public BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
