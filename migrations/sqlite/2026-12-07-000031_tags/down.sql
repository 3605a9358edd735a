DROP TABLE followed_tags;
DROP TABLE featured_tags;
