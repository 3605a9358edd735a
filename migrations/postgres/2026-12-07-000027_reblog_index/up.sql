-- Boosts are found by what they boost: counting a page's boosts, and the
-- cascade that removes a status's boosts when it is deleted. Without an
-- index on reblog_of_id both read every status (a million rows on a large
-- server, for each page and for each delete).
CREATE INDEX statuses_by_reblog ON statuses (reblog_of_id);
