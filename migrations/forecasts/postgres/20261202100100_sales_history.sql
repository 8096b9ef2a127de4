-- Same shape as the SQLite migration of the same name.
CREATE TABLE forecast_history (
    erp_customer_code TEXT NOT NULL,
    part TEXT NOT NULL,
    month TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (erp_customer_code, part, month)
);
