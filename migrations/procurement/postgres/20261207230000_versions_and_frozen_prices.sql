-- No lost update: a product's editable fields carry a version (stock is not one of them: it
-- moves through orders, receipts and adjustments, never through the edit form), and who
-- changed it last, for the message a stale save gets.
ALTER TABLE products ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE products ADD COLUMN updated_by TEXT;
ALTER TABLE suppliers ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE suppliers ADD COLUMN updated_by TEXT;
-- Money decisions use frozen numbers: the unit price when the request was raised (NULL for
-- requests raised before this column existed; they are valued at the current price).
ALTER TABLE procurement_requests ADD COLUMN unit_price_at_raise BIGINT;
