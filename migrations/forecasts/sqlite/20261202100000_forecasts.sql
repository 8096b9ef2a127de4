-- S&OP forecasts: which rep plans which ERP customer, the customer-product matrix, cycles,
-- each rep's submission, and the forecast cells with a version each (a cell's version is
-- what an offline edit names as its base, so a change made meanwhile is never overwritten).
CREATE TABLE forecast_assignments (
    erp_customer_code TEXT PRIMARY KEY,
    customer_name TEXT NOT NULL,
    -- users.id of the sales rep; NULL while unassigned.
    rep_id INTEGER,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    updated_at INTEGER NOT NULL
);
CREATE INDEX forecast_assignments_rep ON forecast_assignments (rep_id);

CREATE TABLE forecast_matrix (
    erp_customer_code TEXT NOT NULL,
    part TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    PRIMARY KEY (erp_customer_code, part)
);

CREATE TABLE forecast_cycles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    -- 'YYYY-MM'
    first_month TEXT NOT NULL CHECK (length(first_month) = 7),
    horizon INTEGER NOT NULL CHECK (horizon BETWEEN 12 AND 18),
    deadline INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE forecast_submissions (
    cycle_id INTEGER NOT NULL REFERENCES forecast_cycles (id),
    rep_id INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    submitted_at INTEGER,
    PRIMARY KEY (cycle_id, rep_id)
);

CREATE TABLE forecast_cells (
    cycle_id INTEGER NOT NULL REFERENCES forecast_cycles (id),
    erp_customer_code TEXT NOT NULL,
    part TEXT NOT NULL,
    month TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    version INTEGER NOT NULL,
    updated_by INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (cycle_id, erp_customer_code, part, month)
);

-- Edits applied by key, so a journal replayed twice (after a kill -9) applies each once.
CREATE TABLE forecast_edit_keys (
    idempotency_key TEXT PRIMARY KEY,
    cycle_id INTEGER NOT NULL,
    applied_at INTEGER NOT NULL
);
