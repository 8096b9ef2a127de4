-- Same shape as the SQLite migration of the same name (BIGINT so integers decode as i64).
CREATE TABLE forecast_assignments (
    erp_customer_code TEXT PRIMARY KEY,
    customer_name TEXT NOT NULL,
    -- users.id of the sales rep; NULL while unassigned.
    rep_id BIGINT,
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    updated_at BIGINT NOT NULL
);
CREATE INDEX forecast_assignments_rep ON forecast_assignments (rep_id);

CREATE TABLE forecast_matrix (
    erp_customer_code TEXT NOT NULL,
    part TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    PRIMARY KEY (erp_customer_code, part)
);

CREATE TABLE forecast_cycles (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    -- 'YYYY-MM'
    first_month TEXT NOT NULL CHECK (length(first_month) = 7),
    horizon BIGINT NOT NULL CHECK (horizon BETWEEN 12 AND 18),
    deadline BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE forecast_submissions (
    cycle_id BIGINT NOT NULL REFERENCES forecast_cycles (id),
    rep_id BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    submitted_at BIGINT,
    PRIMARY KEY (cycle_id, rep_id)
);

CREATE TABLE forecast_cells (
    cycle_id BIGINT NOT NULL REFERENCES forecast_cycles (id),
    erp_customer_code TEXT NOT NULL,
    part TEXT NOT NULL,
    month TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity >= 0),
    version BIGINT NOT NULL,
    updated_by BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, erp_customer_code, part, month)
);

-- Edits applied by key, so a journal replayed twice (after a kill -9) applies each once.
CREATE TABLE forecast_edit_keys (
    idempotency_key TEXT PRIMARY KEY,
    cycle_id BIGINT NOT NULL,
    applied_at BIGINT NOT NULL
);
