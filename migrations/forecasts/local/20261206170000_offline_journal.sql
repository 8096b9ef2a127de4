-- The sales rep's laptop: the last grid read from the shared store (with its masters and
-- history, as the reply holds them), and the journal of edits made since, replayed in order
-- when the store answers. Each entry keeps its idempotency key, so a replay cut short (kill -9)
-- and run again applies nothing twice.
CREATE TABLE forecast_snapshots (
    user_id INTEGER NOT NULL,
    cycle_id INTEGER NOT NULL,
    -- The `Grid` reply as JSON.
    grid TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, cycle_id)
);

-- The cycles list as last read, per user (the window's cycle picker offline).
CREATE TABLE forecast_cycles_seen (
    user_id INTEGER PRIMARY KEY,
    cycles TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
);

CREATE TABLE forecast_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    -- The edits saved together (a typed cell, a pasted range): the store takes or refuses
    -- them together, online or replayed.
    save_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    -- Who edited, for the audit trail when it applies.
    actor TEXT NOT NULL,
    cycle_id INTEGER NOT NULL,
    -- users.id of the rep whose grid it is (an admin may edit a rep's grid).
    rep_id INTEGER NOT NULL,
    erp_customer_code TEXT NOT NULL,
    part TEXT NOT NULL,
    month TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    base_version INTEGER NOT NULL,
    -- pending: not yet applied; conflict: changed on the server since base_version (theirs
    -- kept below, for the rep to decide); refused: the server said no (detail says why).
    state TEXT NOT NULL CHECK (state IN ('pending', 'conflict', 'refused')),
    theirs INTEGER,
    their_version INTEGER,
    detail TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX forecast_journal_open ON forecast_journal (user_id, state, id);
