DROP TABLE status_edits;
DROP TABLE account_notes;
ALTER TABLE follows DROP COLUMN show_reblogs;
ALTER TABLE follows DROP COLUMN notify;
