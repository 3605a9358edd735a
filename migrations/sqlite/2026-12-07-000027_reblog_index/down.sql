DROP INDEX statuses_by_reblog;
