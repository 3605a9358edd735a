-- Practice terms are matched by a normalised key (lower case, punctuation
-- and hyphens as spaces, English word stems, sorted): "grant-writing" and
-- "Grant writing" share one. Stemming is not SQL, so rows stored before
-- this migration keep an empty key until the server fills them at start;
-- a stored term's key is never empty after that.
ALTER TABLE practice_terms ADD COLUMN term_key TEXT NOT NULL DEFAULT '';
DROP INDEX practice_terms_by_term;
CREATE INDEX practice_terms_by_key ON practice_terms (kind, term_key);
