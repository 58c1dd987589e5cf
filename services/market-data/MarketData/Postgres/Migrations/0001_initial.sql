-- Domain schema: every tenant-owned row carries tenant_id; row-level security scopes the platform_tenant role
-- (used by tenant-scoped connections through SET ROLE) to the tenant named in the app.tenant_id setting.

CREATE TABLE tenants (
    tenant_id   text PRIMARY KEY CHECK (tenant_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE properties (
    tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
    property_id    text NOT NULL,
    property_type  text NOT NULL,
    municipality   text NOT NULL,
    zip_code       text,
    latitude       double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude      double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    usable_area    double precision NOT NULL CHECK (usable_area > 0),
    total_area     double precision CHECK (total_area > 0),
    lot_size       double precision CHECK (lot_size >= 0),
    rooms          integer NOT NULL CHECK (rooms >= 0),
    bedrooms       integer NOT NULL CHECK (bedrooms >= 0),
    bathrooms      integer NOT NULL CHECK (bathrooms >= 0),
    floor          integer,
    year_built     integer NOT NULL,
    condition      integer NOT NULL CHECK (condition BETWEEN 1 AND 5),
    listing_price  double precision CHECK (listing_price > 0),
    status         text NOT NULL CHECK (status IN ('active', 'sold', 'withdrawn')),
    days_on_market integer NOT NULL CHECK (days_on_market >= 0),
    listed_at      date NOT NULL,
    monthly_rent   double precision CHECK (monthly_rent >= 0),
    attributes     jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant_id, property_id)
);

CREATE TABLE transactions (
    tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
    transaction_id text NOT NULL,
    property_id    text NOT NULL,
    sold_price     double precision NOT NULL CHECK (sold_price > 0),
    sold_at        date NOT NULL,
    PRIMARY KEY (tenant_id, transaction_id),
    FOREIGN KEY (tenant_id, property_id) REFERENCES properties (tenant_id, property_id)
);
CREATE INDEX transactions_by_property ON transactions (tenant_id, property_id);

CREATE TABLE users (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    user_id    text NOT NULL,
    name       text NOT NULL,
    segment    text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);

CREATE TABLE interactions (
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id),
    event_id    text NOT NULL,
    user_id     text NOT NULL,
    property_id text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('view', 'like', 'dislike', 'outreach', 'deal')),
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX interactions_by_user ON interactions (tenant_id, user_id, occurred_at);
CREATE INDEX interactions_by_time ON interactions (tenant_id, occurred_at);
