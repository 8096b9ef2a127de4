-- Accounts, audit log and shared settings. Timestamps are Unix milliseconds (INTEGER);
-- flags are 0/1 integers, so the same queries decode alike on SQLite and PostgreSQL.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'warehouse', 'procurement', 'sales_rep', 'support', 'customer')),
    erp_customer TEXT,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    last_login_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (role <> 'customer' OR erp_customer IS NOT NULL)
);
-- E-mail is unique whatever its letter case.
CREATE UNIQUE INDEX users_email_ci ON users (lower(email));
CREATE INDEX users_role ON users (role);
