DROP TRIGGER status_search_changed;
DROP TRIGGER status_search_removed;
DROP TRIGGER status_search_added;
DROP TABLE status_search_index;
DROP TABLE status_search;
