-- Queries and exports are answered from an in-memory copy of the snapshot (inventory/memory.rs);
-- these two indexes only cost every refresh (random-order inserts, and a delete of the old
-- snapshot touching each entry: ~0.3 s of a 100k-row refresh). SQLite still answers a snapshot
-- too large to keep in memory, by scanning the customer's rows in key order.
DROP INDEX IF EXISTS stock_part;
DROP INDEX IF EXISTS stock_bin;
