-- Sales imported from any CSV source through a schema file (platform import). The schema decides which columns are
-- features, so the row keeps them as JSON; price, date, segment and location get their own columns for querying.
CREATE TABLE imported_sales (
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id),
    dataset     text NOT NULL,
    line        integer NOT NULL,
    record_id   text,
    price       double precision NOT NULL CHECK (price > 0),
    sold_at     date,
    segment     text,
    latitude    double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude   double precision CHECK (longitude BETWEEN -180 AND 180),
    attributes  jsonb NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, dataset, line)
);

ALTER TABLE imported_sales ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON imported_sales TO platform_tenant
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON imported_sales TO platform_tenant;
