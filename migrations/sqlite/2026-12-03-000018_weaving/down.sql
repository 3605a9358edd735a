DROP TABLE suggestion_dismissals;
DROP TABLE introductions;
DROP TABLE story_dimensions;
DROP TABLE exchange_replies;
DROP TABLE exchanges;
DROP TABLE post_kinds;
