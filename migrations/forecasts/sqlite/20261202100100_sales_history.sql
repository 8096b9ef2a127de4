-- The ERP's monthly sales per customer and part, copied when the matrix is derived, so the
-- grid shows history beside the forecast without asking the ERP (and, next, offline).
CREATE TABLE forecast_history (
    erp_customer_code TEXT NOT NULL,
    part TEXT NOT NULL,
    month TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    PRIMARY KEY (erp_customer_code, part, month)
);
