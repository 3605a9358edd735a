DROP TABLE community_bans;
DROP TABLE account_domain_blocks;
DROP TABLE reports;
DROP TABLE moderation_actions;
DROP TABLE account_moderation;
DROP TABLE domain_allows;
DROP TABLE domain_blocks;
