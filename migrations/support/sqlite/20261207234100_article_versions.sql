-- No lost update: a knowledge-base article carries a version (see shop's versions).
ALTER TABLE support_articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
