DROP TABLE health_snapshots;
DROP TABLE network_reports;
ALTER TABLE network_links DROP COLUMN state;
