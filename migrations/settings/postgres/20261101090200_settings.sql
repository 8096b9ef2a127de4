-- Same shape as the SQLite migration of the same name. Integers are BIGINT so they decode as
-- i64 on both back ends; flags are 0/1.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
