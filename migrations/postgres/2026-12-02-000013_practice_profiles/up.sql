-- What a member says about their practice: organisation and place, and
-- lists of roles, interests, offers and needs. Local members write theirs;
-- for remote members it is what their server published. The lists are
-- rows so that "who else has this role" or "who offers what I need" is an
-- index lookup on the lower-cased `term`.
CREATE TABLE practice_profiles (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    organization TEXT NOT NULL,
    place TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE practice_terms (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, position)
);
CREATE INDEX practice_terms_by_term ON practice_terms (kind, term);
