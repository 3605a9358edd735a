DROP TABLE practice_terms;
DROP TABLE practice_profiles;
