DROP TABLE markers;
