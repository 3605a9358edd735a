DROP TABLE introduction_digest;
ALTER TABLE users DROP COLUMN introductions_digest;
ALTER TABLE users DROP COLUMN weaver;
