DROP TABLE home_feed_trims;
