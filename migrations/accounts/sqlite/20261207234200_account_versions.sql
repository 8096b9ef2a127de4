-- No lost update: an admin's edit of an account names the version it was read at.
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN updated_by TEXT;
