DROP TABLE community_moderators;
DROP TABLE communities;
