-- The catalogue and automated procurement. Money in cents, quantities in whole units,
-- timestamps in Unix ms, flags 0/1 (as every portal table).
CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email TEXT,
    phone TEXT,
    lead_time_days INTEGER NOT NULL DEFAULT 7 CHECK (lead_time_days >= 0),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX suppliers_name_ci ON suppliers (lower(name));

CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sku TEXT NOT NULL CHECK (length(trim(sku)) > 0),
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
    -- Never below zero: the order path's conditional decrement relies on it as a last guard.
    stock INTEGER NOT NULL CHECK (stock >= 0),
    reorder_level INTEGER NOT NULL DEFAULT 0 CHECK (reorder_level >= 0),
    reorder_quantity INTEGER NOT NULL DEFAULT 0 CHECK (reorder_quantity >= 0),
    pack_size INTEGER CHECK (pack_size IS NULL OR pack_size > 0),
    supplier_id INTEGER REFERENCES suppliers (id),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX products_sku_ci ON products (lower(sku));
CREATE INDEX products_name ON products (lower(name));

CREATE TABLE procurement_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id INTEGER NOT NULL REFERENCES products (id),
    supplier_id INTEGER REFERENCES suppliers (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    stock_at_trigger INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'ordered', 'received', 'rejected', 'cancelled')),
    cannot_notify INTEGER NOT NULL DEFAULT 0 CHECK (cannot_notify IN (0, 1)),
    -- The order whose stock decrement raised it (none for one raised by hand).
    order_id INTEGER,
    seen INTEGER NOT NULL DEFAULT 0 CHECK (seen IN (0, 1)),
    note TEXT,
    reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- At most one open request (or issued order) per product, whatever races.
CREATE UNIQUE INDEX procurement_one_open ON procurement_requests (product_id)
    WHERE status IN ('open', 'ordered');
CREATE INDEX procurement_requests_status ON procurement_requests (status, created_at);

CREATE TABLE purchase_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL UNIQUE REFERENCES procurement_requests (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    received INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= quantity),
    unit_price INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ordered', 'received', 'cancelled')),
    approved_by INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Which outbox messages a request caused (supplier request, alert, purchase order).
CREATE TABLE procurement_mail (
    request_id INTEGER NOT NULL REFERENCES procurement_requests (id),
    mail_id INTEGER NOT NULL,
    PRIMARY KEY (request_id, mail_id)
);
