-- The Shop: listings (a name, description, category and picture over variants, each variant a
-- product of the procurement catalogue), full-text search, carts kept per customer account,
-- delivery addresses, delivery slots with a capacity, and each shop order's delivery.
-- Money in cents, timestamps in Unix ms, flags 0/1 (as every portal table).
CREATE TABLE shop_listings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX shop_listings_category ON shop_listings (category);

-- A product is a variant of at most one listing.
CREATE TABLE shop_variants (
    product_id INTEGER PRIMARY KEY,
    listing_id INTEGER NOT NULL REFERENCES shop_listings (id),
    position INTEGER NOT NULL,
    size TEXT NOT NULL DEFAULT '',
    colour TEXT NOT NULL DEFAULT '',
    weight TEXT NOT NULL DEFAULT '',
    flavour TEXT NOT NULL DEFAULT ''
);
CREATE INDEX shop_variants_listing ON shop_variants (listing_id, position);

-- One picture per listing, already sized down (stored in the portal store so every desktop of
-- a shared store shows it).
CREATE TABLE shop_pictures (
    listing_id INTEGER PRIMARY KEY REFERENCES shop_listings (id),
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The search index of listings (rowid = listing id), written with the listing. PostgreSQL
-- keeps a tsvector column on shop_listings instead.
CREATE VIRTUAL TABLE shop_search USING fts5 (name, description, tokenize = 'unicode61 remove_diacritics 2');

CREATE TABLE shop_cart_lines (
    customer_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    price_when_added INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (customer_id, product_id)
);

CREATE TABLE shop_addresses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('home', 'work', 'other')),
    name TEXT NOT NULL,
    line1 TEXT NOT NULL,
    line2 TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL,
    postcode TEXT NOT NULL,
    country TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX shop_addresses_customer ON shop_addresses (customer_id);
CREATE UNIQUE INDEX shop_addresses_one_default ON shop_addresses (customer_id) WHERE is_default = 1;

CREATE TABLE shop_slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL CHECK (ends_at > starts_at),
    -- Postcode prefixes served, separated by spaces; empty serves every postcode.
    zones TEXT NOT NULL DEFAULT '',
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    -- Never above the capacity: the booking's conditional UPDATE relies on it as a last guard.
    booked INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    charge INTEGER NOT NULL CHECK (charge >= 0),
    free_from INTEGER CHECK (free_from IS NULL OR free_from >= 0),
    created_at INTEGER NOT NULL
);
-- A weekly pattern created twice does not double its slots.
CREATE UNIQUE INDEX shop_slots_once ON shop_slots (starts_at, ends_at, zones);

-- The delivery of an order placed in the Shop, as the customer chose it.
CREATE TABLE shop_deliveries (
    order_id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    slot_id INTEGER NOT NULL REFERENCES shop_slots (id),
    slot_label TEXT NOT NULL,
    address TEXT NOT NULL,
    postcode TEXT NOT NULL,
    charge INTEGER NOT NULL CHECK (charge >= 0),
    -- The slot's place was given back (the order was cancelled).
    released INTEGER NOT NULL DEFAULT 0 CHECK (released IN (0, 1)),
    created_at INTEGER NOT NULL
);
CREATE INDEX shop_deliveries_customer ON shop_deliveries (customer_id, order_id);
