DROP INDEX practice_terms_by_key;
ALTER TABLE practice_terms DROP COLUMN term_key;
CREATE INDEX practice_terms_by_term ON practice_terms (kind, term);
