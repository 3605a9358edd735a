-- Each account's counts as apps show them (statuses, followers, following)
-- and when it last posted, kept as they change. Counting them on each
-- render read every status of each author on the page: tens of
-- milliseconds per page at a million statuses, more for a prolific
-- author. Triggers keep the counts, so every write (API, inbox, deletes,
-- cascades) counts without the code having to remember. A community's
-- follower count shown to apps is its people, counted elsewhere.
CREATE TABLE account_stats (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    statuses_count BIGINT NOT NULL DEFAULT 0,
    last_status_at TIMESTAMP,
    followers_count BIGINT NOT NULL DEFAULT 0,
    following_count BIGINT NOT NULL DEFAULT 0
);

INSERT INTO account_stats (account_id, statuses_count, last_status_at, followers_count, following_count)
SELECT a.id,
    (SELECT count(*) FROM statuses s WHERE s.account_id = a.id),
    (SELECT max(s.created_at) FROM statuses s WHERE s.account_id = a.id),
    (SELECT count(*) FROM follows f WHERE f.target_account_id = a.id AND f.accepted),
    (SELECT count(*) FROM follows f WHERE f.account_id = a.id AND f.accepted)
FROM accounts a;

CREATE TRIGGER account_stats_account_added AFTER INSERT ON accounts
BEGIN
    INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.id);
END;

CREATE TRIGGER account_stats_status_added AFTER INSERT ON statuses
BEGIN
    UPDATE account_stats SET statuses_count = statuses_count + 1,
        last_status_at = CASE WHEN last_status_at IS NULL OR NEW.created_at > last_status_at
            THEN NEW.created_at ELSE last_status_at END
    WHERE account_id = NEW.account_id;
END;

-- The latest time is looked up again only when the latest status goes.
CREATE TRIGGER account_stats_status_removed AFTER DELETE ON statuses
BEGIN
    UPDATE account_stats SET statuses_count = statuses_count - 1,
        last_status_at = CASE WHEN OLD.created_at >= last_status_at
            THEN (SELECT max(created_at) FROM statuses WHERE account_id = OLD.account_id)
            ELSE last_status_at END
    WHERE account_id = OLD.account_id;
END;

CREATE TRIGGER account_stats_follow_added AFTER INSERT ON follows WHEN NEW.accepted
BEGIN
    UPDATE account_stats SET following_count = following_count + 1 WHERE account_id = NEW.account_id;
    UPDATE account_stats SET followers_count = followers_count + 1 WHERE account_id = NEW.target_account_id;
END;

CREATE TRIGGER account_stats_follow_removed AFTER DELETE ON follows WHEN OLD.accepted
BEGIN
    UPDATE account_stats SET following_count = following_count - 1 WHERE account_id = OLD.account_id;
    UPDATE account_stats SET followers_count = followers_count - 1 WHERE account_id = OLD.target_account_id;
END;

-- A follow request accepted later.
CREATE TRIGGER account_stats_follow_changed
AFTER UPDATE OF accepted, account_id, target_account_id ON follows
BEGIN
    UPDATE account_stats SET following_count = following_count - 1
    WHERE account_id = OLD.account_id AND OLD.accepted;
    UPDATE account_stats SET followers_count = followers_count - 1
    WHERE account_id = OLD.target_account_id AND OLD.accepted;
    UPDATE account_stats SET following_count = following_count + 1
    WHERE account_id = NEW.account_id AND NEW.accepted;
    UPDATE account_stats SET followers_count = followers_count + 1
    WHERE account_id = NEW.target_account_id AND NEW.accepted;
END;
