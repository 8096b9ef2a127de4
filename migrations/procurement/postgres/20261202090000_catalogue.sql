-- Same shape as the SQLite migration of the same name (BIGINT so integers decode as i64).
CREATE TABLE suppliers (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email TEXT,
    phone TEXT,
    lead_time_days BIGINT NOT NULL DEFAULT 7 CHECK (lead_time_days >= 0),
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX suppliers_name_ci ON suppliers (lower(name));

CREATE TABLE products (
    id BIGSERIAL PRIMARY KEY,
    sku TEXT NOT NULL CHECK (length(trim(sku)) > 0),
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
    -- Never below zero: the order path's conditional decrement relies on it as a last guard.
    stock BIGINT NOT NULL CHECK (stock >= 0),
    reorder_level BIGINT NOT NULL DEFAULT 0 CHECK (reorder_level >= 0),
    reorder_quantity BIGINT NOT NULL DEFAULT 0 CHECK (reorder_quantity >= 0),
    pack_size BIGINT CHECK (pack_size IS NULL OR pack_size > 0),
    supplier_id BIGINT REFERENCES suppliers (id),
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX products_sku_ci ON products (lower(sku));
CREATE INDEX products_name ON products (lower(name));

CREATE TABLE procurement_requests (
    id BIGSERIAL PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products (id),
    supplier_id BIGINT REFERENCES suppliers (id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    stock_at_trigger BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'ordered', 'received', 'rejected', 'cancelled')),
    cannot_notify BIGINT NOT NULL DEFAULT 0 CHECK (cannot_notify IN (0, 1)),
    -- The order whose stock decrement raised it (none for one raised by hand).
    order_id BIGINT,
    seen BIGINT NOT NULL DEFAULT 0 CHECK (seen IN (0, 1)),
    note TEXT,
    reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- At most one open request (or issued order) per product, whatever races.
CREATE UNIQUE INDEX procurement_one_open ON procurement_requests (product_id)
    WHERE status IN ('open', 'ordered');
CREATE INDEX procurement_requests_status ON procurement_requests (status, created_at);

CREATE TABLE purchase_orders (
    id BIGSERIAL PRIMARY KEY,
    request_id BIGINT NOT NULL UNIQUE REFERENCES procurement_requests (id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    received BIGINT NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= quantity),
    unit_price BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ordered', 'received', 'cancelled')),
    approved_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Which outbox messages a request caused (supplier request, alert, purchase order).
CREATE TABLE procurement_mail (
    request_id BIGINT NOT NULL REFERENCES procurement_requests (id),
    mail_id BIGINT NOT NULL,
    PRIMARY KEY (request_id, mail_id)
);
