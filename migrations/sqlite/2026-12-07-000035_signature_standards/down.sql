DROP TABLE actor_keys;
DROP TABLE signature_standards;
