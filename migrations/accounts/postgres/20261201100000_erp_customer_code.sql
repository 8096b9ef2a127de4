-- Customer accounts link to the ERP customer by its code (the ERP's key); `erp_customer`
-- stays as the display name, refreshed from the ERP. Existing accounts are linked by their
-- name once, by the core at its first ERP read (a migration cannot reach the ERP); a name
-- that matches several ERP customers ('ambiguous') or none ('not_found') is flagged in
-- `erp_link_problem` for an admin to resolve, and that account sees no stock until then.
ALTER TABLE users ADD COLUMN erp_customer_code TEXT;
ALTER TABLE users ADD COLUMN erp_link_problem TEXT CHECK (erp_link_problem IN ('ambiguous', 'not_found'));
CREATE INDEX users_erp_customer_code ON users (erp_customer_code);
