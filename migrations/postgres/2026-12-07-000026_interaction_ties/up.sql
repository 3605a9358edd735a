-- Replies and favourites between two people, counted per pair as they
-- happen, so the network map reads one row per pair instead of grouping
-- every reply and favourite on each load (at a million statuses that
-- grouping took seconds). Triggers keep the counts, so every way a reply
-- or favourite comes and goes (the API, the inbox, deletes, cascades) is
-- counted without the code having to remember. What counts matches what
-- the map showed before: public and unlisted replies that are not boosts,
-- and favourites of someone else's public or unlisted post.
CREATE TABLE interaction_ties (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    replies BIGINT NOT NULL DEFAULT 0,
    favourites BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, target_account_id)
);
CREATE INDEX interaction_ties_by_target ON interaction_ties (target_account_id);

INSERT INTO interaction_ties (account_id, target_account_id, replies)
SELECT account_id, in_reply_to_account_id, count(*) FROM statuses
WHERE in_reply_to_account_id IS NOT NULL AND reblog_of_id IS NULL
    AND visibility IN ('public', 'unlisted')
GROUP BY account_id, in_reply_to_account_id;

INSERT INTO interaction_ties (account_id, target_account_id, favourites)
SELECT f.account_id, s.account_id, count(*) FROM favourites f JOIN statuses s ON s.id = f.status_id
WHERE s.visibility IN ('public', 'unlisted') AND f.account_id <> s.account_id
GROUP BY f.account_id, s.account_id
ON CONFLICT (account_id, target_account_id) DO UPDATE SET favourites = excluded.favourites;

-- While an account is being deleted, its pairs are still here until their
-- own cascade removes them, and PostgreSQL refuses to update a row whose
-- account has gone: such pairs are left to that cascade.
CREATE FUNCTION interaction_ties_both_exist(a BIGINT, b BIGINT) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM accounts WHERE id = a)
        AND EXISTS (SELECT 1 FROM accounts WHERE id = b)
$$;

CREATE FUNCTION interaction_ties_of_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.in_reply_to_account_id IS NOT NULL
        AND OLD.reblog_of_id IS NULL AND OLD.visibility IN ('public', 'unlisted') THEN
        UPDATE interaction_ties t SET replies = t.replies - 1
        WHERE t.account_id = OLD.account_id AND t.target_account_id = OLD.in_reply_to_account_id
            AND interaction_ties_both_exist(t.account_id, t.target_account_id);
    END IF;
    -- A status's favourites are uncounted as it goes: once it has gone,
    -- the cascade that removes them can no longer tell whose it was.
    IF TG_OP = 'DELETE' AND OLD.visibility IN ('public', 'unlisted') THEN
        UPDATE interaction_ties t SET favourites = t.favourites - f.n
        FROM (SELECT account_id, count(*) AS n FROM favourites
              WHERE status_id = OLD.id AND account_id <> OLD.account_id
              GROUP BY account_id) f
        WHERE t.account_id = f.account_id AND t.target_account_id = OLD.account_id
            AND interaction_ties_both_exist(t.account_id, t.target_account_id);
    END IF;
    -- Statuses do not change hands or audience today; if one ever does,
    -- its favourites move with it.
    IF TG_OP = 'UPDATE' AND (OLD.account_id <> NEW.account_id
        OR (OLD.visibility IN ('public', 'unlisted')) <> (NEW.visibility IN ('public', 'unlisted'))) THEN
        IF OLD.visibility IN ('public', 'unlisted') THEN
            UPDATE interaction_ties t SET favourites = t.favourites - f.n
            FROM (SELECT account_id, count(*) AS n FROM favourites
                  WHERE status_id = OLD.id AND account_id <> OLD.account_id
                  GROUP BY account_id) f
            WHERE t.account_id = f.account_id AND t.target_account_id = OLD.account_id
                AND interaction_ties_both_exist(t.account_id, t.target_account_id);
        END IF;
        IF NEW.visibility IN ('public', 'unlisted') THEN
            INSERT INTO interaction_ties (account_id, target_account_id, favourites)
            SELECT account_id, NEW.account_id, count(*) FROM favourites
            WHERE status_id = NEW.id AND account_id <> NEW.account_id
            GROUP BY account_id
            ON CONFLICT (account_id, target_account_id)
            DO UPDATE SET favourites = interaction_ties.favourites + EXCLUDED.favourites;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.in_reply_to_account_id IS NOT NULL
        AND NEW.reblog_of_id IS NULL AND NEW.visibility IN ('public', 'unlisted') THEN
        INSERT INTO interaction_ties (account_id, target_account_id, replies)
        VALUES (NEW.account_id, NEW.in_reply_to_account_id, 1)
        ON CONFLICT (account_id, target_account_id)
        DO UPDATE SET replies = interaction_ties.replies + 1;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER interaction_ties_reply_added AFTER INSERT ON statuses
FOR EACH ROW EXECUTE FUNCTION interaction_ties_of_status();
-- A reply that arrived before its parent learns whom it answers later.
CREATE TRIGGER interaction_ties_reply_changed
AFTER UPDATE OF account_id, in_reply_to_account_id, reblog_of_id, visibility ON statuses
FOR EACH ROW EXECUTE FUNCTION interaction_ties_of_status();
CREATE TRIGGER interaction_ties_status_removed BEFORE DELETE ON statuses
FOR EACH ROW EXECUTE FUNCTION interaction_ties_of_status();

-- When the favourite goes because its status went, the status can no
-- longer be read here, and this does nothing: the status's own trigger
-- has uncounted its favourites already.
CREATE FUNCTION interaction_ties_of_favourite() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    author BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT account_id INTO author FROM statuses
        WHERE id = NEW.status_id AND visibility IN ('public', 'unlisted');
        IF author IS NOT NULL AND author <> NEW.account_id THEN
            INSERT INTO interaction_ties (account_id, target_account_id, favourites)
            VALUES (NEW.account_id, author, 1)
            ON CONFLICT (account_id, target_account_id)
            DO UPDATE SET favourites = interaction_ties.favourites + 1;
        END IF;
        RETURN NEW;
    END IF;
    SELECT account_id INTO author FROM statuses
    WHERE id = OLD.status_id AND visibility IN ('public', 'unlisted');
    IF author IS NOT NULL AND author <> OLD.account_id THEN
        UPDATE interaction_ties t SET favourites = t.favourites - 1
        WHERE t.account_id = OLD.account_id AND t.target_account_id = author
            AND interaction_ties_both_exist(t.account_id, t.target_account_id);
    END IF;
    RETURN OLD;
END
$$;

CREATE TRIGGER interaction_ties_favourite_added AFTER INSERT ON favourites
FOR EACH ROW EXECUTE FUNCTION interaction_ties_of_favourite();
CREATE TRIGGER interaction_ties_favourite_removed AFTER DELETE ON favourites
FOR EACH ROW EXECUTE FUNCTION interaction_ties_of_favourite();

-- The map no longer groups statuses and favourites itself: the two indexes
-- added for that grouping would only slow every write.
DROP INDEX statuses_reply_pairs;
DROP INDEX statuses_author_visibility;
