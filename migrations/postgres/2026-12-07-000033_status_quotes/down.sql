DROP TABLE status_quotes;
