-- Weavers: members an admin trusts to look at introductions for the whole
-- network (anyone's suggestions, who should meet whom) and to run the
-- introductions digest. Admins can do all of it without the flag.
ALTER TABLE users ADD COLUMN weaver BOOLEAN NOT NULL DEFAULT FALSE;

-- Whether the member gets the introductions digest when the network
-- sends one; on until they turn it off.
ALTER TABLE users ADD COLUMN introductions_digest BOOLEAN NOT NULL DEFAULT TRUE;

-- The network's introductions digest, one row: whether it goes out
-- weekly, and when it last went out. Sending claims the week by moving
-- `last_sent_at` in a conditional update, so several processes and
-- restarts send it once.
CREATE TABLE introduction_digest (
    id INTEGER PRIMARY KEY NOT NULL,
    weekly BOOLEAN NOT NULL DEFAULT FALSE,
    changed_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    last_sent_at TIMESTAMP
);
INSERT INTO introduction_digest (id, weekly) VALUES (1, FALSE);
