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

CREATE TRIGGER interaction_ties_reply_added AFTER INSERT ON statuses
WHEN NEW.in_reply_to_account_id IS NOT NULL AND NEW.reblog_of_id IS NULL
    AND NEW.visibility IN ('public', 'unlisted')
BEGIN
    INSERT OR IGNORE INTO interaction_ties (account_id, target_account_id)
    VALUES (NEW.account_id, NEW.in_reply_to_account_id);
    UPDATE interaction_ties SET replies = replies + 1
    WHERE account_id = NEW.account_id AND target_account_id = NEW.in_reply_to_account_id;
END;

CREATE TRIGGER interaction_ties_reply_removed AFTER DELETE ON statuses
WHEN OLD.in_reply_to_account_id IS NOT NULL AND OLD.reblog_of_id IS NULL
    AND OLD.visibility IN ('public', 'unlisted')
BEGIN
    UPDATE interaction_ties SET replies = replies - 1
    WHERE account_id = OLD.account_id AND target_account_id = OLD.in_reply_to_account_id;
END;

-- A reply that arrived before its parent learns whom it answers later.
CREATE TRIGGER interaction_ties_reply_changed
AFTER UPDATE OF account_id, in_reply_to_account_id, reblog_of_id, visibility ON statuses
BEGIN
    UPDATE interaction_ties SET replies = replies - 1
    WHERE account_id = OLD.account_id AND target_account_id = OLD.in_reply_to_account_id
        AND OLD.reblog_of_id IS NULL AND OLD.visibility IN ('public', 'unlisted');
    INSERT OR IGNORE INTO interaction_ties (account_id, target_account_id)
    SELECT NEW.account_id, NEW.in_reply_to_account_id
    WHERE NEW.in_reply_to_account_id IS NOT NULL AND NEW.reblog_of_id IS NULL
        AND NEW.visibility IN ('public', 'unlisted');
    UPDATE interaction_ties SET replies = replies + 1
    WHERE account_id = NEW.account_id AND target_account_id = NEW.in_reply_to_account_id
        AND NEW.reblog_of_id IS NULL AND NEW.visibility IN ('public', 'unlisted');
END;

CREATE TRIGGER interaction_ties_favourite_added AFTER INSERT ON favourites
BEGIN
    INSERT OR IGNORE INTO interaction_ties (account_id, target_account_id)
    SELECT NEW.account_id, s.account_id FROM statuses s
    WHERE s.id = NEW.status_id AND s.account_id <> NEW.account_id
        AND s.visibility IN ('public', 'unlisted');
    UPDATE interaction_ties SET favourites = favourites + 1
    WHERE account_id = NEW.account_id AND target_account_id = (
        SELECT s.account_id FROM statuses s
        WHERE s.id = NEW.status_id AND s.account_id <> NEW.account_id
            AND s.visibility IN ('public', 'unlisted'));
END;

-- When the favourite goes because its status went, the status can no
-- longer be read here, and this does nothing: the status's own trigger
-- below has uncounted its favourites already.
CREATE TRIGGER interaction_ties_favourite_removed AFTER DELETE ON favourites
BEGIN
    UPDATE interaction_ties SET favourites = favourites - 1
    WHERE account_id = OLD.account_id AND target_account_id = (
        SELECT s.account_id FROM statuses s
        WHERE s.id = OLD.status_id AND s.account_id <> OLD.account_id
            AND s.visibility IN ('public', 'unlisted'));
END;

CREATE TRIGGER interaction_ties_favourites_of_status_removed BEFORE DELETE ON statuses
WHEN OLD.visibility IN ('public', 'unlisted')
BEGIN
    UPDATE interaction_ties SET favourites = favourites - (
        SELECT count(*) FROM favourites f
        WHERE f.status_id = OLD.id AND f.account_id = interaction_ties.account_id)
    WHERE target_account_id = OLD.account_id AND account_id <> OLD.account_id
        AND account_id IN (SELECT f.account_id FROM favourites f WHERE f.status_id = OLD.id);
END;

-- Statuses do not change hands or audience today; if one ever does, its
-- favourites move with it.
CREATE TRIGGER interaction_ties_favourites_of_status_changed
AFTER UPDATE OF account_id, visibility ON statuses
WHEN OLD.account_id <> NEW.account_id
    OR (OLD.visibility IN ('public', 'unlisted')) <> (NEW.visibility IN ('public', 'unlisted'))
BEGIN
    UPDATE interaction_ties SET favourites = favourites - (
        SELECT count(*) FROM favourites f
        WHERE f.status_id = OLD.id AND f.account_id = interaction_ties.account_id)
    WHERE OLD.visibility IN ('public', 'unlisted')
        AND target_account_id = OLD.account_id AND account_id <> OLD.account_id
        AND account_id IN (SELECT f.account_id FROM favourites f WHERE f.status_id = OLD.id);
    INSERT OR IGNORE INTO interaction_ties (account_id, target_account_id)
    SELECT DISTINCT f.account_id, NEW.account_id FROM favourites f
    WHERE f.status_id = NEW.id AND f.account_id <> NEW.account_id
        AND NEW.visibility IN ('public', 'unlisted');
    UPDATE interaction_ties SET favourites = favourites + (
        SELECT count(*) FROM favourites f
        WHERE f.status_id = NEW.id AND f.account_id = interaction_ties.account_id)
    WHERE NEW.visibility IN ('public', 'unlisted')
        AND target_account_id = NEW.account_id AND account_id <> NEW.account_id
        AND account_id IN (SELECT f.account_id FROM favourites f WHERE f.status_id = NEW.id);
END;

-- The map no longer groups statuses and favourites itself: the two indexes
-- added for that grouping would only slow every write.
DROP INDEX statuses_reply_pairs;
DROP INDEX statuses_author_visibility;
