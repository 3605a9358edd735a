-- Full-text search over statuses. Searching with LIKE read every status
-- (a second at a million); a GIN index over a tsvector finds the statuses
-- holding the words at once. What is indexed is each status's text
-- without markup, its words separated by spaces, which the server writes
-- as it stores or edits a status (boosts have no text of their own and
-- are not indexed). The 'simple'
-- configuration lower-cases words without stemming them: members write in
-- many languages, and a search finds the words as written.
CREATE TABLE status_search (
    status_id BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    document tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
);
CREATE INDEX status_search_documents ON status_search USING GIN (document);

-- The statuses already here, without their markup, their words separated
-- by single spaces as the server writes them (so that the parser does not
-- keep a web address or a dotted name as one word). Character references
-- such as &amp; leave a word behind; a status edited later is indexed as
-- the server writes it.
INSERT INTO status_search (status_id, body)
SELECT id, trim(regexp_replace(regexp_replace(content, '<[^>]*>', ' ', 'g'), '[^[:alnum:]]+', ' ', 'g'))
FROM statuses WHERE reblog_of_id IS NULL;
