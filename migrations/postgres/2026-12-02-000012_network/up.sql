-- The network this instance is: its profile and charter, one JSON document
-- in a table that holds exactly one row. A document rather than columns
-- because the charter grows with practice and is read and written whole.
CREATE TABLE network (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    profile TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
