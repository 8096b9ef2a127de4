-- Same shape as the SQLite migration of the same name. Integers are BIGINT so they decode as
-- i64 on both back ends; flags are 0/1.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'warehouse', 'procurement', 'sales_rep', 'support', 'customer')),
    erp_customer TEXT,
    password_hash TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    must_change_password BIGINT NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_login_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (role <> 'customer' OR erp_customer IS NOT NULL)
);
CREATE UNIQUE INDEX users_email_ci ON users (lower(email));
CREATE INDEX users_role ON users (role);
