-- The public timelines read public statuses newest first, optionally only local ones.
CREATE INDEX statuses_public_timeline ON statuses (visibility, local, id);
