-- Same shape as the SQLite migration of the same name (BIGINT so integers decode as i64).
CREATE TABLE orders (
    id BIGSERIAL PRIMARY KEY,
    -- The customer account (users.id) and its ERP customer at the time.
    customer_id BIGINT NOT NULL,
    customer_name TEXT NOT NULL,
    erp_customer_code TEXT,
    placed_by BIGINT,
    placed_by_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('placed', 'confirmed', 'picking', 'shipped', 'delivered', 'cancelled')),
    total BIGINT NOT NULL CHECK (total >= 0),
    note TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id, created_at);
CREATE INDEX orders_status ON orders (status, created_at);

CREATE TABLE order_lines (
    order_id BIGINT NOT NULL REFERENCES orders (id),
    line_no BIGINT NOT NULL,
    product_id BIGINT NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_price BIGINT NOT NULL,
    line_total BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
