CREATE INDEX statuses_reply_pairs ON statuses (account_id, in_reply_to_account_id, visibility)
    WHERE in_reply_to_account_id IS NOT NULL AND reblog_of_id IS NULL;
CREATE INDEX statuses_author_visibility ON statuses (id, account_id, visibility);
DROP TRIGGER interaction_ties_favourite_removed ON favourites;
DROP TRIGGER interaction_ties_favourite_added ON favourites;
DROP FUNCTION interaction_ties_of_favourite();
DROP TRIGGER interaction_ties_status_removed ON statuses;
DROP TRIGGER interaction_ties_reply_changed ON statuses;
DROP TRIGGER interaction_ties_reply_added ON statuses;
DROP FUNCTION interaction_ties_of_status();
DROP FUNCTION interaction_ties_both_exist(BIGINT, BIGINT);
DROP TABLE interaction_ties;
