DROP TABLE idempotency_keys;
DROP TABLE pins;
DROP TABLE bookmarks;
