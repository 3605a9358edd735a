-- Indexes for the network map and health report (issue 12), which must
-- answer in under a second at 5,000 members and a million statuses.

-- Reply ties are counted per pair of people: a partial index holds only
-- replies, with every column the count reads, so the database neither
-- reads the other statuses nor visits the table.
CREATE INDEX statuses_reply_pairs ON statuses (account_id, in_reply_to_account_id, visibility)
    WHERE in_reply_to_account_id IS NOT NULL AND reblog_of_id IS NULL;

-- "Active in the last 30 days": one seek per member, whatever their history.
CREATE INDEX statuses_by_account_published ON statuses (account_id, published_at);
CREATE INDEX favourites_by_account_created ON favourites (account_id, created_at);

-- Favourite ties join each favourite to its status's author and
-- visibility; covering them spares a visit to the wide status row.
CREATE INDEX statuses_author_visibility ON statuses (id, account_id, visibility);
