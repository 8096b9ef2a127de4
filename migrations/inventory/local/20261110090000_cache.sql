-- The local cache on each desktop (always SQLite): ERP inventory snapshots per customer.
CREATE TABLE snapshots (
    customer TEXT PRIMARY KEY,
    fetched_at INTEGER NOT NULL,
    row_count INTEGER NOT NULL
);
CREATE TABLE stock (
    customer TEXT NOT NULL,
    seq INTEGER NOT NULL,
    part TEXT NOT NULL,
    description TEXT NOT NULL,
    bin TEXT NOT NULL,
    lot TEXT,
    on_hand REAL,
    allocated REAL,
    available REAL,
    unit TEXT NOT NULL,
    last_received TEXT,
    value REAL,
    -- Lower-cased (Unicode) copies for case-insensitive prefix and text filters.
    part_lc TEXT NOT NULL,
    bin_lc TEXT NOT NULL,
    search TEXT NOT NULL,
    PRIMARY KEY (customer, seq)
) WITHOUT ROWID;
CREATE INDEX stock_part ON stock (customer, part_lc);
CREATE INDEX stock_bin ON stock (customer, bin_lc);
