-- No lost update: listings and addresses carry a version; a save names the version its form
-- was read at, and a stale one is refused with what changed.
ALTER TABLE shop_listings ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE shop_listings ADD COLUMN updated_by TEXT;
ALTER TABLE shop_addresses ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
