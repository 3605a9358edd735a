-- Home feeds keep each member's newest entries (home_feed_length); a
-- background job removes the older ones, which otherwise grow without end
-- (at a million statuses the feeds outweighed the statuses). Where a feed
-- was trimmed, this remembers the oldest entry it kept: a page older than
-- that is read from the statuses of whom the member follows instead.
CREATE TABLE home_feed_trims (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    below_id BIGINT NOT NULL
);
