DROP TABLE network_profiles;
