-- Row-level security: connections scoped to a tenant run as the NOLOGIN role platform_tenant (SET ROLE) with
-- app.tenant_id set; the policies below let that role see and change only its own tenant's rows.
-- The owner (the migrating user) is not subject to RLS: it runs bulk loads (COPY) with explicit, validated tenant ids.

-- Roles are cluster-wide while migrations run per database, and test databases migrate concurrently on one cluster.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'platform_tenant') THEN
        CREATE ROLE platform_tenant NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- The owner must be a member to SET ROLE platform_tenant (superusers always may).
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'platform_tenant', 'MEMBER') THEN
        EXECUTE format('GRANT platform_tenant TO %I', current_user);
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO platform_tenant;
GRANT SELECT ON tenants TO platform_tenant;
GRANT SELECT, INSERT, UPDATE, DELETE ON properties, transactions, users, interactions TO platform_tenant;

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE properties ENABLE ROW LEVEL SECURITY;
ALTER TABLE transactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE interactions ENABLE ROW LEVEL SECURITY;

-- current_setting(..., true) is NULL when unset, so an unscoped platform_tenant session sees nothing.
CREATE POLICY tenant_isolation ON tenants TO platform_tenant
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY tenant_isolation ON properties TO platform_tenant
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY tenant_isolation ON transactions TO platform_tenant
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY tenant_isolation ON users TO platform_tenant
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY tenant_isolation ON interactions TO platform_tenant
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
