-- Full-text search over statuses. Searching with LIKE read every status
-- (a second at a million); an FTS5 index finds the statuses holding the
-- words at once, newest first. What is indexed is each status's text
-- without markup, which the server writes as it stores or edits a status
-- (boosts have no text of their own and are not indexed).
CREATE TABLE status_search (
    status_id BIGINT PRIMARY KEY NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    body TEXT NOT NULL
);

-- The index reads its text from status_search (an external-content
-- table), and the triggers below keep the two in step.
CREATE VIRTUAL TABLE status_search_index USING fts5 (
    body,
    content = 'status_search',
    content_rowid = 'status_id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER status_search_added AFTER INSERT ON status_search
BEGIN
    INSERT INTO status_search_index (rowid, body) VALUES (NEW.status_id, NEW.body);
END;

CREATE TRIGGER status_search_removed AFTER DELETE ON status_search
BEGIN
    INSERT INTO status_search_index (status_search_index, rowid, body)
    VALUES ('delete', OLD.status_id, OLD.body);
END;

CREATE TRIGGER status_search_changed AFTER UPDATE ON status_search
BEGIN
    INSERT INTO status_search_index (status_search_index, rowid, body)
    VALUES ('delete', OLD.status_id, OLD.body);
    INSERT INTO status_search_index (rowid, body) VALUES (NEW.status_id, NEW.body);
END;

-- The statuses already here, their markup taken out one tag at a time
-- (SQLite has no regular expressions). Character references such as
-- &amp; stay; a status edited later is indexed as the server writes it.
INSERT INTO status_search (status_id, body)
WITH RECURSIVE stripped (id, body) AS (
    SELECT id, content FROM statuses WHERE reblog_of_id IS NULL
    UNION ALL
    SELECT id,
        substr(body, 1, instr(body, '<') - 1) || ' '
            || substr(body, instr(body, '<') + instr(substr(body, instr(body, '<')), '>'))
    FROM stripped
    WHERE instr(body, '<') > 0 AND instr(substr(body, instr(body, '<')), '>') > 0
)
SELECT id, trim(body) FROM stripped
WHERE NOT (instr(body, '<') > 0 AND instr(substr(body, instr(body, '<')), '>') > 0);
