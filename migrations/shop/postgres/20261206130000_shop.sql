-- Same shape as the SQLite migration of the same name (BIGINT so integers decode as i64),
-- except search: a weighted tsvector column on shop_listings with a GIN index instead of an
-- FTS5 table.
CREATE TABLE shop_listings (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', name), 'A') || setweight(to_tsvector('simple', description), 'B')
    ) STORED
);
CREATE INDEX shop_listings_category ON shop_listings (category);
CREATE INDEX shop_listings_search ON shop_listings USING GIN (search);

CREATE TABLE shop_variants (
    product_id BIGINT PRIMARY KEY,
    listing_id BIGINT NOT NULL REFERENCES shop_listings (id),
    position BIGINT NOT NULL,
    size TEXT NOT NULL DEFAULT '',
    colour TEXT NOT NULL DEFAULT '',
    weight TEXT NOT NULL DEFAULT '',
    flavour TEXT NOT NULL DEFAULT ''
);
CREATE INDEX shop_variants_listing ON shop_variants (listing_id, position);

CREATE TABLE shop_pictures (
    listing_id BIGINT PRIMARY KEY REFERENCES shop_listings (id),
    mime TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE shop_cart_lines (
    customer_id BIGINT NOT NULL,
    product_id BIGINT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    price_when_added BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (customer_id, product_id)
);

CREATE TABLE shop_addresses (
    id BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('home', 'work', 'other')),
    name TEXT NOT NULL,
    line1 TEXT NOT NULL,
    line2 TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL,
    postcode TEXT NOT NULL,
    country TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    is_default BIGINT NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX shop_addresses_customer ON shop_addresses (customer_id);
CREATE UNIQUE INDEX shop_addresses_one_default ON shop_addresses (customer_id) WHERE is_default = 1;

CREATE TABLE shop_slots (
    id BIGSERIAL PRIMARY KEY,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL CHECK (ends_at > starts_at),
    zones TEXT NOT NULL DEFAULT '',
    capacity BIGINT NOT NULL CHECK (capacity > 0),
    booked BIGINT NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    charge BIGINT NOT NULL CHECK (charge >= 0),
    free_from BIGINT CHECK (free_from IS NULL OR free_from >= 0),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX shop_slots_once ON shop_slots (starts_at, ends_at, zones);

CREATE TABLE shop_deliveries (
    order_id BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    slot_id BIGINT NOT NULL REFERENCES shop_slots (id),
    slot_label TEXT NOT NULL,
    address TEXT NOT NULL,
    postcode TEXT NOT NULL,
    charge BIGINT NOT NULL CHECK (charge >= 0),
    released BIGINT NOT NULL DEFAULT 0 CHECK (released IN (0, 1)),
    created_at BIGINT NOT NULL
);
CREATE INDEX shop_deliveries_customer ON shop_deliveries (customer_id, order_id);
