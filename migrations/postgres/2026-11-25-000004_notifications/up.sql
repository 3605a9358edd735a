-- What happened to a member: a follow, a mention, a favourite, a boost, an
-- edit of a status they boosted. Written in the transaction of the event.
CREATE TABLE notifications (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    status_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_by_account ON notifications (account_id, id);
