-- 0 when an account's ERP customer was typed while the ERP was unreachable.
ALTER TABLE users ADD COLUMN erp_verified INTEGER NOT NULL DEFAULT 1 CHECK (erp_verified IN (0, 1));
