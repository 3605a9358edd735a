-- Each account's counts as apps show them (statuses, followers, following)
-- and when it last posted, kept as they change. Counting them on each
-- render read every status of each author on the page: tens of
-- milliseconds per page at a million statuses, more for a prolific
-- author. Triggers keep the counts, so every write (API, inbox, deletes,
-- cascades) counts without the code having to remember. A community's
-- follower count shown to apps is its people, counted elsewhere.
CREATE TABLE account_stats (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
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

CREATE FUNCTION account_stats_of_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_stats (account_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NEW;
END
$$;

CREATE TRIGGER account_stats_account_added AFTER INSERT ON accounts
FOR EACH ROW EXECUTE FUNCTION account_stats_of_account();

-- The latest time is looked up again only when the latest status goes.
CREATE FUNCTION account_stats_of_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE account_stats SET statuses_count = statuses_count + 1,
            last_status_at = GREATEST(last_status_at, NEW.created_at)
        WHERE account_id = NEW.account_id;
        RETURN NEW;
    END IF;
    UPDATE account_stats SET statuses_count = statuses_count - 1,
        last_status_at = CASE WHEN OLD.created_at >= last_status_at
            THEN (SELECT max(created_at) FROM statuses WHERE account_id = OLD.account_id)
            ELSE last_status_at END
    WHERE account_id = OLD.account_id;
    RETURN OLD;
END
$$;

CREATE TRIGGER account_stats_status_added AFTER INSERT ON statuses
FOR EACH ROW EXECUTE FUNCTION account_stats_of_status();
CREATE TRIGGER account_stats_status_removed AFTER DELETE ON statuses
FOR EACH ROW EXECUTE FUNCTION account_stats_of_status();

-- Inserts, deletes, and a follow request accepted later. Both accounts'
-- rows change in one statement, which locks them in one order whichever
-- way the follow goes: two communities accepting each other's follows at
-- the same moment would otherwise each lock one row and wait for the
-- other's (a deadlock).
CREATE FUNCTION account_stats_of_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.accepted THEN
        UPDATE account_stats SET
            following_count = following_count
                - CASE WHEN account_id = OLD.account_id THEN 1 ELSE 0 END,
            followers_count = followers_count
                - CASE WHEN account_id = OLD.target_account_id THEN 1 ELSE 0 END
        WHERE account_id IN (OLD.account_id, OLD.target_account_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.accepted THEN
        UPDATE account_stats SET
            following_count = following_count
                + CASE WHEN account_id = NEW.account_id THEN 1 ELSE 0 END,
            followers_count = followers_count
                + CASE WHEN account_id = NEW.target_account_id THEN 1 ELSE 0 END
        WHERE account_id IN (NEW.account_id, NEW.target_account_id);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER account_stats_follow_added AFTER INSERT ON follows
FOR EACH ROW EXECUTE FUNCTION account_stats_of_follow();
CREATE TRIGGER account_stats_follow_removed AFTER DELETE ON follows
FOR EACH ROW EXECUTE FUNCTION account_stats_of_follow();
CREATE TRIGGER account_stats_follow_changed
AFTER UPDATE OF accepted, account_id, target_account_id ON follows
FOR EACH ROW EXECUTE FUNCTION account_stats_of_follow();
