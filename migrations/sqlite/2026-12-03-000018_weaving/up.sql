-- Network weaving: what kind of post a status is, the learning exchanges
-- that questions and requests open, benefit stories' dimensions, and the
-- introductions members make.

-- A post's kind (practice, resource, question, request, offer, story), as
-- its author set it with the API field, a hashtag or `trellis:kind`.
CREATE TABLE post_kinds (
    status_id BIGINT PRIMARY KEY NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    kind TEXT NOT NULL
);
CREATE INDEX post_kinds_by_kind ON post_kinds (kind, status_id);

-- A question or request, open until its asker marks it answered.
CREATE TABLE exchanges (
    status_id BIGINT PRIMARY KEY NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    opened_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP
);
CREATE INDEX exchanges_by_asker ON exchanges (account_id);

-- Replies that joined an exchange (to the question or to another reply in
-- it), and whether the asker named them as having helped.
CREATE TABLE exchange_replies (
    status_id BIGINT PRIMARY KEY NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    exchange_id BIGINT NOT NULL REFERENCES exchanges (status_id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    replied_at TIMESTAMP NOT NULL,
    helped BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX exchange_replies_by_exchange ON exchange_replies (exchange_id, replied_at);

-- The dimensions a benefit story speaks to.
CREATE TABLE story_dimensions (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    PRIMARY KEY (status_id, dimension)
);
CREATE INDEX story_dimensions_by_dimension ON story_dimensions (dimension, status_id);

-- One member introducing two people; `collaborated_at` is set once the two
-- go on to interact (a reply, a mention, a favourite or a follow).
CREATE TABLE introductions (
    id BIGINT PRIMARY KEY NOT NULL,
    introducer_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    first_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    second_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    note TEXT NOT NULL,
    status_id BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    collaborated_at TIMESTAMP
);
CREATE INDEX introductions_by_introducer ON introductions (introducer_id);

-- Suggestions a member waved away (`DELETE /api/v1/suggestions/:id`).
CREATE TABLE suggestion_dismissals (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, target_account_id)
);
