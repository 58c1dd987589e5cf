-- Tenant API keys (building blocks, Auth/ApiKeyStore): only the SHA-256 of each key is kept. A key is looked up by its
-- public id before any tenant is known, so this table is not under tenant row-level security: it holds no tenant data
-- beyond which tenant a key belongs to, and the key itself cannot be recovered from it.
CREATE TABLE api_keys (
    key_id     text PRIMARY KEY CHECK (key_id ~ '^[A-Za-z0-9]{16}$'),
    tenant_id  text NOT NULL CHECK (tenant_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    key_hash   bytea NOT NULL CHECK (octet_length(key_hash) = 32),
    scopes     text[] NOT NULL CHECK (cardinality(scopes) > 0),
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);
