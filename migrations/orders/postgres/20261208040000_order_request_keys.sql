-- A staff order's request key (one per order form): the same request twice (a retry after a
-- lost answer, a double click) finds the first order instead of placing a second.
ALTER TABLE orders ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX orders_request_key ON orders (customer_id, request_key)
    WHERE request_key IS NOT NULL;
