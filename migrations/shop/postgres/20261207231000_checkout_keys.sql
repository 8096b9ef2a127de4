-- Checkout once: an order placed from a review carries the review's key; the same checkout
-- sent again (a double click, a second window, another device) finds the first order.
ALTER TABLE shop_deliveries ADD COLUMN checkout_key TEXT;
CREATE UNIQUE INDEX shop_deliveries_checkout_key ON shop_deliveries (customer_id, checkout_key)
    WHERE checkout_key IS NOT NULL;
