using System.Security.Cryptography;
using Npgsql;

namespace Platform.MarketData.Postgres;

/// <summary>
/// The database roles of the platform. Migrations run as <see cref="Owner"/> (owns the schema and every table, not a
/// superuser); the services connect as <see cref="Service"/>, a login role that owns nothing and is a member of the NOLOGIN
/// <see cref="TenantConnectionFactory.TenantRole"/> only. Every tenant table forces row-level security, so neither the owner
/// nor the service role nor the tenant role sees a row outside the tenant named by <c>app.tenant_id</c>; only a superuser
/// (bootstrap: creating these roles and the database) or a BYPASSRLS role could, and the service role can become neither.
/// </summary>
public static class PostgresRoles
{
    public const string Owner = "platform_owner";
    public const string Service = "platform_app";
    public const string AuditWriter = "platform_audit_writer";

    /// <summary>
    /// The Dapr state store's login (a sidecar's <c>state.postgresql</c> component, under Kubernetes): member of nothing,
    /// granted only CREATE on the <c>public</c> schema for its own tables, so it reads no platform table.
    /// </summary>
    public const string DaprStateStore = "platform_dapr";

    /// <summary>
    /// Where the owner's credentials come from when only the service connection is configured: a connection string whose
    /// keys (usually Username and Password) replace the service connection's (see <see cref="OwnerConnectionString"/>).
    /// </summary>
    public const string OwnerConnectionStringVariable = "PLATFORM_POSTGRES_OWNER";

    /// <summary>DI key of the owner's data source in a host (the same key the building blocks register it under).</summary>
    public const string OwnerDataSourceKey = "postgres-owner";

    /// <summary>A generated password: 32 random bytes, URL-safe base64 (no characters a connection string must quote).</summary>
    public static string NewPassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// The owner connection for migrations: <paramref name="serviceConnectionString"/> with every key of
    /// <paramref name="ownerSetting"/> applied on top (a full connection string works too), or the service connection itself
    /// when no owner is configured (a deployment where one non-superuser role both migrates and serves).
    /// </summary>
    public static string OwnerConnectionString(string serviceConnectionString, string? ownerSetting)
    {
        if (string.IsNullOrWhiteSpace(ownerSetting))
        {
            return serviceConnectionString;
        }

        var owner = new NpgsqlConnectionStringBuilder(serviceConnectionString);
        foreach (var (key, value) in new NpgsqlConnectionStringBuilder(ownerSetting))
        {
            owner[key] = value;
        }

        return owner.ConnectionString;
    }

    /// <summary><see cref="OwnerConnectionString(string, string?)"/> with the owner setting from <see cref="OwnerConnectionStringVariable"/>.</summary>
    public static string OwnerConnectionString(string serviceConnectionString) =>
        OwnerConnectionString(serviceConnectionString, Environment.GetEnvironmentVariable(OwnerConnectionStringVariable));

    /// <summary>
    /// Bootstrap, as a superuser: creates (or updates) the owner and service login roles with these passwords and the tenant
    /// role, none a superuser, none with BYPASSRLS, CREATEDB or CREATEROLE. The service role is a member of the tenant role
    /// only (it may <c>SET ROLE</c> to it: that role owns nothing and is bound by the forced policies). Idempotent; safe
    /// when several databases of one cluster bootstrap at once.
    /// </summary>
    public static async Task EnsureAsync(NpgsqlConnection superuser, string ownerPassword, string servicePassword, CancellationToken cancellationToken = default)
    {
        const string Attributes = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS";
        await EnsureRoleAsync(superuser, Owner, $"LOGIN {Attributes}", ownerPassword, cancellationToken);
        await EnsureRoleAsync(superuser, Service, $"LOGIN INHERIT {Attributes}", servicePassword, cancellationToken);
        await EnsureRoleAsync(superuser, TenantConnectionFactory.TenantRole, $"NOLOGIN {Attributes}", null, cancellationToken);
        // The append-only audit log's writer role (migration 0008 grants it SELECT and INSERT), for tools that only append:
        // created here because the owner may not create roles. The service role itself gets the same two privileges on the
        // table through 0007's default privileges, so it stays a member of the tenant role only.
        await EnsureRoleAsync(superuser, AuditWriter, $"NOLOGIN {Attributes}", null, cancellationToken);
        // The owner is a member so migration 0002 (which grants the migrating user the tenant role when it lacks it) passes.
        foreach (var (member, role) in new[] { (Service, TenantConnectionFactory.TenantRole), (Owner, TenantConnectionFactory.TenantRole) })
        {
            await ExecuteAsync(superuser, $"""
                DO $$
                BEGIN
                    IF NOT pg_has_role('{member}', '{role}', 'MEMBER') THEN
                        GRANT {role} TO {member};
                    END IF;
                EXCEPTION WHEN unique_violation THEN
                    NULL;
                END
                $$
                """, cancellationToken);
        }
    }

    /// <summary>
    /// Bootstrap, as a superuser: creates (or updates) <see cref="DaprStateStore"/> with this password. The grant on the
    /// schema is the database owner's to give (<c>GRANT USAGE, CREATE ON SCHEMA public TO platform_dapr</c>, done by
    /// <c>platform migrate</c>). Idempotent.
    /// </summary>
    public static Task EnsureDaprStateStoreRoleAsync(NpgsqlConnection superuser, string password, CancellationToken cancellationToken = default) =>
        EnsureRoleAsync(superuser, DaprStateStore, "LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS", password, cancellationToken);

    /// <summary>
    /// Bootstrap, as a superuser: creates <paramref name="database"/> owned by <see cref="Owner"/> (so the owner owns its
    /// public schema and may migrate it), or hands an existing one and the objects the superuser created in its public
    /// schema (databases migrated before the owner role existed) to the owner.
    /// </summary>
    public static async Task EnsureDatabaseAsync(NpgsqlConnection superuser, string superuserConnectionString, string database, CancellationToken cancellationToken = default)
    {
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", superuser);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await ExecuteAsync(superuser, $"CREATE DATABASE {LocalPostgresCluster.QuoteIdentifier(database)} OWNER {Owner}", cancellationToken);
            return;
        }

        await ExecuteAsync(superuser, $"ALTER DATABASE {LocalPostgresCluster.QuoteIdentifier(database)} OWNER TO {Owner}", cancellationToken);
        var inDatabase = new NpgsqlConnectionStringBuilder(superuserConnectionString) { Database = database, Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(inDatabase);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, $"""
            DO $$
            DECLARE
                item record;
            BEGIN
                FOR item IN
                    SELECT c.relname, c.relkind, n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = '{Owner}')
                      AND n.nspname IN ('public', 'workflow_sidecar') AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
                      -- A serial or identity sequence belongs to its table and moves with it (ALTER SEQUENCE refuses it).
                      AND NOT (c.relkind = 'S' AND EXISTS (
                          SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                            AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
                LOOP
                    EXECUTE format('ALTER %s %I.%I OWNER TO {Owner}',
                        CASE item.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                        item.nspname, item.relname);
                END LOOP;
                IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'workflow_sidecar') THEN
                    ALTER SCHEMA workflow_sidecar OWNER TO {Owner};
                    IF to_regprocedure('workflow_sidecar.hold_lease(text, text, text)') IS NOT NULL THEN
                        ALTER FUNCTION workflow_sidecar.hold_lease(text, text, text) OWNER TO {Owner};
                    END IF;
                END IF;
            END
            $$
            """, cancellationToken);
    }

    private static async Task EnsureRoleAsync(NpgsqlConnection superuser, string role, string attributes, string? password, CancellationToken cancellationToken)
    {
        var withPassword = password is null ? "" : $" PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'";
        await ExecuteAsync(superuser, $"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                    CREATE ROLE {role} {attributes};
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END
            $$
            """, cancellationToken);
        await ExecuteAsync(superuser, $"ALTER ROLE {role} {attributes}{withPassword}", cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
