DROP TABLE community_picks;
DROP TABLE community_links;
