-- The audit log: one row per admin or write action (who, for which tenant, when, what, on what, with which outcome).
-- Append-only for everyone: the services may INSERT and SELECT (through platform_audit_writer, which the login role is
-- granted), and the triggers below refuse UPDATE, DELETE and TRUNCATE even to the table's owner, so a leaked service
-- credential cannot rewrite history. Only dropping the table or its triggers (owner, i.e. a migration) could.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    identity    text NOT NULL CHECK (length(identity) BETWEEN 1 AND 200),
    -- NULL: a platform-wide action (alias moves, chaos, workflows); otherwise the tenant the action acted for.
    tenant_id   text CHECK (tenant_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    action      text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.]{0,63}$'),
    target      text NOT NULL CHECK (length(target) <= 500),
    outcome     text NOT NULL CHECK (outcome IN ('succeeded', 'rejected', 'failed')),
    status_code integer,
    detail      jsonb
);

-- The admin route and CLI filter by tenant or action and page backwards from the newest (id order = insertion order).
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, id);
CREATE INDEX audit_log_by_action ON audit_log (action, id);
CREATE INDEX audit_log_by_time ON audit_log (occurred_at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The privilege the service login role needs: read and append, nothing else. Cluster-wide role, created once (test
-- databases migrate concurrently on one cluster, as in 0002).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'platform_audit_writer') THEN
        CREATE ROLE platform_audit_writer NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

REVOKE ALL ON audit_log FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO platform_audit_writer;
GRANT SELECT, INSERT ON audit_log TO platform_audit_writer;

-- Default privileges an earlier migration may have set for the login role would also grant UPDATE/DELETE/TRUNCATE here:
-- take those back from every role but the owner, so the grants above are the whole story.
DO $$
DECLARE
    grantee_role text;
BEGIN
    FOR grantee_role IN
        SELECT DISTINCT grantee FROM information_schema.role_table_grants
        WHERE table_schema = current_schema() AND table_name = 'audit_log'
          AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')
          AND grantee <> (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'audit_log')
          AND grantee <> 'PUBLIC'
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log FROM %I', grantee_role);
    END LOOP;
END
$$;
