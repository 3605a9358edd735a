CREATE INDEX statuses_reply_pairs ON statuses (account_id, in_reply_to_account_id, visibility)
    WHERE in_reply_to_account_id IS NOT NULL AND reblog_of_id IS NULL;
CREATE INDEX statuses_author_visibility ON statuses (id, account_id, visibility);
DROP TRIGGER interaction_ties_favourites_of_status_changed;
DROP TRIGGER interaction_ties_favourites_of_status_removed;
DROP TRIGGER interaction_ties_favourite_removed;
DROP TRIGGER interaction_ties_favourite_added;
DROP TRIGGER interaction_ties_reply_changed;
DROP TRIGGER interaction_ties_reply_removed;
DROP TRIGGER interaction_ties_reply_added;
DROP TABLE interaction_ties;
