DROP INDEX statuses_author_visibility;
DROP INDEX favourites_by_account_created;
DROP INDEX statuses_by_account_published;
DROP INDEX statuses_reply_pairs;
