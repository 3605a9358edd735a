DROP TABLE signature_standards;
