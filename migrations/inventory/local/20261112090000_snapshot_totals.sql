-- Totals of the whole snapshot, computed while it is written, so the unfiltered view (the
-- most common) needs no scan for its count and totals.
ALTER TABLE snapshots ADD COLUMN total_on_hand REAL NOT NULL DEFAULT 0;
ALTER TABLE snapshots ADD COLUMN total_allocated REAL NOT NULL DEFAULT 0;
ALTER TABLE snapshots ADD COLUMN total_available REAL NOT NULL DEFAULT 0;
