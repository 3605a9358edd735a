-- Profile fields: a JSON list of {"name", "value"} with HTML values.
ALTER TABLE accounts ADD COLUMN fields TEXT NOT NULL DEFAULT '[]';
