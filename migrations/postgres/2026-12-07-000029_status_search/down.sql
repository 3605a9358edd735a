DROP TABLE status_search;
