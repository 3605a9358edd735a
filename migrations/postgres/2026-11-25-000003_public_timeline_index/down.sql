DROP INDEX statuses_public_timeline;
