DROP TABLE network_links;
