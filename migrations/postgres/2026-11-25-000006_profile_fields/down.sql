ALTER TABLE accounts DROP COLUMN fields;
