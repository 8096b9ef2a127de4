-- Accounts, audit log and shared settings. Timestamps are Unix milliseconds (INTEGER);
-- flags are 0/1 integers, so the same queries decode alike on SQLite and PostgreSQL.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
