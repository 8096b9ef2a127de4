-- Snapshots are keyed by the ERP customer code from now on (they were keyed by the name,
-- which two ERP customers can share). Old name-keyed snapshots are dropped rather than
-- guessed at; the next refresh fetches them again. The name is kept for display only.
DELETE FROM stock;
DELETE FROM snapshots;
ALTER TABLE snapshots ADD COLUMN customer_name TEXT NOT NULL DEFAULT '';
