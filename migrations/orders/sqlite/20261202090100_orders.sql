-- Orders and their lines, with the prices as they were when ordered.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The customer account (users.id) and its ERP customer at the time.
    customer_id INTEGER NOT NULL,
    customer_name TEXT NOT NULL,
    erp_customer_code TEXT,
    placed_by INTEGER,
    placed_by_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('placed', 'confirmed', 'picking', 'shipped', 'delivered', 'cancelled')),
    total INTEGER NOT NULL CHECK (total >= 0),
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id, created_at);
CREATE INDEX orders_status ON orders (status, created_at);

CREATE TABLE order_lines (
    order_id INTEGER NOT NULL REFERENCES orders (id),
    line_no INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price INTEGER NOT NULL,
    line_total INTEGER NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
