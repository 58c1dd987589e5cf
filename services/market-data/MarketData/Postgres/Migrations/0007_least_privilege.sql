-- Least privilege. Migrations run as the owner role (owns the schema and the tables, not a superuser); the services
-- connect as the login role platform_app, which owns nothing and is a member of platform_tenant only. Forcing row-level
-- security binds the tables' owner to the policies too, so no role but a superuser or a BYPASSRLS one (the service
-- role can become neither) sees a tenant's rows without that tenant in app.tenant_id: an unscoped session sees none.

-- Roles are cluster-wide; the local cluster's bootstrap creates them with passwords. Where it did not (a server
-- prepared by hand, migrated by a superuser), platform_app is created NOLOGIN: grant it to the login role that serves.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'platform_app') THEN
        CREATE ROLE platform_app NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

DO $$
BEGIN
    IF NOT pg_has_role('platform_app', 'platform_tenant', 'MEMBER') THEN
        GRANT platform_tenant TO platform_app;
    END IF;
END
$$;

-- Every table holding a tenant_id with row-level security on (0001-0006 and any later table of the same kind that
-- enabled it) forces it.
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relrowsecurity
          AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
    LOOP
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', item.relname);
    END LOOP;
END
$$;

-- Tenant rows: a scoped session registers (and a bench removes) only its own tenant; the platform-level service
-- session reads the directory of tenant ids (the twin lists them to index each), never a tenant's data.
GRANT INSERT, DELETE ON tenants TO platform_tenant;
CREATE POLICY tenant_directory ON tenants FOR SELECT TO platform_app USING (true);

-- The service role uses what the migrations made so far (tenant tables through the forced policies) and reads which
-- migrations ran; it never writes that record.
GRANT USAGE ON SCHEMA public TO platform_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO platform_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO platform_app;
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM platform_app;

-- And what the migrating role creates from now on: later migrations, the state store's table and the embedded
-- workflow sidecar's schema. These grants go to platform_app, not platform_tenant: a tenant-scoped session
-- (SET ROLE platform_tenant) never reaches the platform-wide tables.
DO $$
BEGIN
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO platform_app', current_user);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO platform_app', current_user);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT USAGE ON SCHEMAS TO platform_app', current_user);
END
$$;
