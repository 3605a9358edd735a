-- A peer link between two networks waits for the other side's admins:
-- `pending_out` (this network asked), `pending_in` (the other asked), or
-- `active`. Parent and child links need no answer and are always active.
ALTER TABLE network_links ADD COLUMN state TEXT NOT NULL DEFAULT 'active';

-- The latest network report of each network this server knows one of:
-- its own (under the local network actor) and those its children and
-- linked networks shared with it. A child's document carries the reports
-- its own children shared upward, so the tree is gathered level by level
-- and no server holds more than its own branch.
CREATE TABLE network_reports (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    document TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    -- For this network's own report: when it was last sent out.
    pushed_at TIMESTAMP
);

-- The health figures as they were, one row per measurement (daily by
-- default), for trends and the history endpoint.
CREATE TABLE health_snapshots (
    id BIGINT PRIMARY KEY NOT NULL,
    taken_at TIMESTAMP NOT NULL,
    figures TEXT NOT NULL
);
CREATE INDEX health_snapshots_taken_at ON health_snapshots (taken_at);
