using Npgsql;
using Platform.MarketData.Postgres;
using Platform.Testing;

namespace Platform.MarketData.Tests;

/// <summary>
/// Raw SQL on the services' own login role (<see cref="PostgresRoles.Service"/>), as a bug or an injected statement would
/// send it: whatever it writes, it reads and changes only the rows of the tenant in <c>app.tenant_id</c>, none without one,
/// and it cannot become a role that escapes the policies.
/// </summary>
public sealed class LeastPrivilegeTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private const string A = "lp-a";
    private const string B = "lp-b";

    private static readonly string[] TenantTables = ["tenants", "properties", "transactions", "users", "interactions", "imported_sales"];

    // Tables that name a tenant but are read across tenants by design, so they are kept from the tenant role instead: an API
    // key is looked up before any tenant is known, and the audit log is read by platform admins.
    private static readonly string[] PlatformWideTablesWithATenantColumn = ["api_keys", "audit_log"];

    public async Task InitializeAsync()
    {
        var tenants = new TenantStore(database.DataSource);
        await tenants.EnsureAsync(A);
        await tenants.EnsureAsync(B);
        var loader = new BulkLoader(database.DataSource);
        await loader.DeleteTenantDataAsync(A);
        await loader.DeleteTenantDataAsync(B);
        await loader.LoadPropertiesAsync(A, [TestData.Property(A, "a1")]);
        await loader.LoadPropertiesAsync(B, [TestData.Property(B, "b1"), TestData.Property(B, "b2")]);
        await loader.LoadInteractionsAsync(B, [TestData.Interaction(B, "e1", "u1", "b1")]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_service_role_is_no_superuser_has_no_bypass_and_owns_nothing()
    {
        await using var connection = await database.ServiceDataSource.OpenConnectionAsync();

        Assert.Equal(PostgresRoles.Service, await ScalarAsync<string>(connection, "SELECT current_user::text"));
        Assert.False(await ScalarAsync<bool>(connection, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));
        Assert.False(await ScalarAsync<bool>(connection, "SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user"));
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"));
        // The only role it may become is the tenant role, itself bound by the policies and owning nothing.
        Assert.Equal([TenantConnectionFactory.TenantRole], await StringsAsync(connection,
            "SELECT rolname::text FROM pg_roles WHERE oid <> (SELECT oid FROM pg_roles WHERE rolname = current_user) AND pg_has_role(current_user, oid, 'MEMBER')"));
    }

    [Fact]
    public async Task Every_tenant_table_forces_row_level_security()
    {
        await using var connection = await database.ServiceDataSource.OpenConnectionAsync();

        var unforced = await StringsAsync(connection, """
            SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
              AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
              AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
              AND c.relname <> ALL (@platformWide)
            """.Replace("@platformWide", $"ARRAY[{string.Join(", ", PlatformWideTablesWithATenantColumn.Select(t => $"'{t}'"))}]", StringComparison.Ordinal));
        Assert.Empty(unforced);
        Assert.Equal(TenantTables.Length, await ScalarAsync<long>(connection,
            $"SELECT count(*) FROM pg_class WHERE relname IN ({string.Join(", ", TenantTables.Select(t => $"'{t}'"))}) AND relforcerowsecurity"));
    }

    [Fact]
    public async Task Without_a_tenant_the_service_role_sees_no_tenant_data_and_writes_none()
    {
        await using var connection = await database.ServiceDataSource.OpenConnectionAsync();

        foreach (var table in TenantTables.Where(t => t != "tenants"))
        {
            Assert.Equal(0L, await ScalarAsync<long>(connection, $"SELECT count(*) FROM {table}"));
        }

        Assert.Equal(0, await ExecuteAsync(connection, "DELETE FROM properties"));
        var insert = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection,
            $"INSERT INTO interactions VALUES ('{B}', 'unscoped', 'u1', 'b1', 'like', now())"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
        // The tenant directory (ids and names) is platform-wide: the twin lists the tenants it indexes.
        Assert.Contains(B, await StringsAsync(connection, "SELECT tenant_id FROM tenants"));
        Assert.Equal(2L, await ScalarAsync<long>(database.DataSource, "SELECT count(*) FROM properties WHERE tenant_id = 'lp-b'"));
    }

    [Fact]
    public async Task Scoped_to_one_tenant_the_service_role_cannot_read_or_change_another_tenants_rows_by_naming_them()
    {
        await using var connection = await database.ServiceDataSource.OpenConnectionAsync();
        await ExecuteAsync(connection, $"SELECT set_config('app.tenant_id', '{A}', false)");

        Assert.Equal(["a1"], await StringsAsync(connection, "SELECT property_id FROM properties"));
        Assert.Equal(0L, await ScalarAsync<long>(connection, $"SELECT count(*) FROM properties WHERE tenant_id = '{B}'"));
        Assert.Equal(0L, await ScalarAsync<long>(connection, $"SELECT count(*) FROM interactions WHERE tenant_id = '{B}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"UPDATE properties SET usable_area = 1 WHERE tenant_id = '{B}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"DELETE FROM properties WHERE tenant_id = '{B}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"DELETE FROM interactions WHERE tenant_id = '{B}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"DELETE FROM tenants WHERE tenant_id = '{B}'"));

        foreach (var forged in new[]
        {
            $"INSERT INTO interactions VALUES ('{B}', 'forged', 'u1', 'b1', 'like', now())",
            $"INSERT INTO users VALUES ('{B}', 'forged', 'n', 's', now())",
            $"INSERT INTO tenants (tenant_id, name) VALUES ('lp-forged', 'forged')",
            $"UPDATE properties SET tenant_id = '{B}' WHERE property_id = 'a1'",
        })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, forged));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        }

        Assert.Equal(2L, await ScalarAsync<long>(database.DataSource, $"SELECT count(*) FROM properties WHERE tenant_id = '{B}' AND usable_area = 70"));
        Assert.Equal(1L, await ScalarAsync<long>(database.DataSource, $"SELECT count(*) FROM interactions WHERE tenant_id = '{B}'"));
        Assert.Equal(0L, await ScalarAsync<long>(database.DataSource, "SELECT count(*) FROM tenants WHERE tenant_id = 'lp-forged'"));
    }

    [Theory]
    [InlineData("SET ROLE postgres")]
    [InlineData("SET ROLE platform_owner")]
    [InlineData("SET SESSION AUTHORIZATION postgres")]
    [InlineData("SET SESSION AUTHORIZATION platform_owner")]
    [InlineData("ALTER TABLE properties NO FORCE ROW LEVEL SECURITY")]
    [InlineData("ALTER TABLE properties DISABLE ROW LEVEL SECURITY")]
    [InlineData("DROP POLICY tenant_isolation ON properties")]
    [InlineData("CREATE POLICY everything ON properties USING (true)")]
    [InlineData("CREATE TABLE escape (id int)")]
    [InlineData("CREATE FUNCTION escape() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'")]
    [InlineData("ALTER ROLE platform_app BYPASSRLS")]
    [InlineData("GRANT platform_owner TO platform_app")]
    public async Task The_service_role_cannot_get_out_of_the_policies(string escape)
    {
        await using var connection = await database.ServiceDataSource.OpenConnectionAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, escape));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM properties"));
    }

    [Fact]
    public async Task Reset_role_after_a_tenant_scope_falls_back_to_the_service_role_which_is_bound_too()
    {
        await using var connection = await new TenantConnectionFactory(database.ServiceDataSource).OpenAsync(A);
        Assert.Equal(TenantConnectionFactory.TenantRole, await ScalarAsync<string>(connection, "SELECT current_user::text"));

        await ExecuteAsync(connection, "RESET ROLE");
        Assert.Equal(PostgresRoles.Service, await ScalarAsync<string>(connection, "SELECT current_user::text"));
        Assert.Equal(["a1"], await StringsAsync(connection, "SELECT property_id FROM properties"));

        await ExecuteAsync(connection, "RESET ALL");
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM properties"));
        // Turning row security off makes a query the policies would filter fail instead of returning everything.
        await ExecuteAsync(connection, "SET row_security = off");
        var off = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<long>(connection, "SELECT count(*) FROM properties"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, off.SqlState);
    }

    [Fact]
    public async Task The_owner_is_bound_by_the_forced_policies_as_well()
    {
        await using var owner = NpgsqlDataSource.Create(database.OwnerConnectionString);

        Assert.Equal(0L, await ScalarAsync<long>(owner, "SELECT count(*) FROM properties"));
        Assert.False(await ScalarAsync<bool>(owner, "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"));
    }

    [Fact]
    public async Task Copy_straight_into_a_tenant_table_is_refused_and_a_staged_row_of_another_tenant_fails_the_load()
    {
        await using var connection = await new TenantConnectionFactory(database.ServiceDataSource).OpenAsync(A);
        var copy = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var importer = await connection.BeginTextImportAsync("COPY users (tenant_id, user_id, name, segment, created_at) FROM STDIN");
            await importer.WriteLineAsync($"{B}\tcopied\tn\ts\t2024-01-01");
        });
        Assert.Equal(PostgresErrorCodes.FeatureNotSupported, copy.SqlState);

        // The loader's path (staging table, then INSERT ... SELECT) with a forged row, past the loader's own check.
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, "CREATE TEMPORARY TABLE staging_users (LIKE users INCLUDING DEFAULTS) ON COMMIT DROP");
        await ExecuteAsync(connection, $"INSERT INTO staging_users VALUES ('{A}', 'mine', 'n', 's', now()), ('{B}', 'forged', 'n', 's', now())");
        var move = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "INSERT INTO users SELECT * FROM staging_users"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, move.SqlState);
        await transaction.RollbackAsync();

        Assert.Equal(0L, await ScalarAsync<long>(database.DataSource, "SELECT count(*) FROM users WHERE user_id IN ('mine', 'forged')"));
    }

    [Fact]
    public async Task Bulk_loads_on_the_service_role_store_the_tenants_rows_and_refuse_another_tenants()
    {
        var loader = new BulkLoader(database.ServiceDataSource);

        Assert.Equal(2, await loader.LoadUsersAsync(A, [User(A, "bulk1"), User(A, "bulk2")]));
        await Assert.ThrowsAsync<ArgumentException>(() => loader.LoadUsersAsync(A, [User(A, "bulk3"), User(B, "bulk4")]));

        Assert.Equal(["bulk1", "bulk2"], await StringsAsync(database.DataSource, "SELECT user_id FROM users WHERE user_id LIKE 'bulk%' ORDER BY user_id"));
        Assert.Equal(2L, await ScalarAsync<long>(database.DataSource, $"SELECT count(*) FROM users WHERE tenant_id = '{A}' AND user_id LIKE 'bulk%'"));
    }

    [Fact]
    public async Task The_tenant_role_reaches_no_platform_wide_table_and_the_service_role_cannot_write_the_migration_record()
    {
        await using var owner = NpgsqlDataSource.Create(database.OwnerConnectionString);
        var state = new Platform.BuildingBlocks.StateStore.PostgresStateStore(database.ServiceDataSource, "lp_state", schemaOwner: owner);
        await state.SaveAsync("registry/pointer", [1, 2, 3]);
        Assert.Equal([1, 2, 3], (await state.GetAsync("registry/pointer"))!.Value);

        await using var connection = await new TenantConnectionFactory(database.ServiceDataSource).OpenAsync(A);
        var denied = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<long>(connection, "SELECT count(*) FROM lp_state"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        foreach (var table in PlatformWideTablesWithATenantColumn)
        {
            var crossTenant = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<long>(connection, $"SELECT count(*) FROM {table}"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, crossTenant.SqlState);
        }

        await ExecuteAsync(connection, "RESET ROLE");
        var record = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "DELETE FROM schema_migrations"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, record.SqlState);
        Assert.Equal((long)PlatformDatabase.Migrations.Count, await ScalarAsync<long>(connection, "SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Migrations_run_again_by_the_owner_apply_nothing_and_the_service_role_cannot_migrate()
    {
        await using var owner = NpgsqlDataSource.Create(database.OwnerConnectionString);
        Assert.Empty(await new PlatformDatabase(owner).MigrateAsync());

        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(database.ServiceDataSource, "CREATE TABLE IF NOT EXISTS schema_migrations (version int)"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public void The_owner_setting_replaces_only_the_keys_it_names_in_the_service_connection()
    {
        const string Service = "Host=db.example;Port=6543;Database=platform;Username=platform_app;Password=app-secret";

        var owner = new NpgsqlConnectionStringBuilder(PostgresRoles.OwnerConnectionString(Service, "Username=platform_owner;Password=owner-secret"));

        Assert.Equal(("db.example", 6543, "platform", "platform_owner", "owner-secret"), (owner.Host, owner.Port, owner.Database, owner.Username, owner.Password));
        Assert.Equal(Service, PostgresRoles.OwnerConnectionString(Service, null));
        Assert.Equal(Service, PostgresRoles.OwnerConnectionString(Service, " "));
    }

    private static Domain.User User(string tenant, string id) => new()
    {
        TenantId = tenant,
        UserId = id,
        Name = id,
        Segment = "family",
        CreatedAt = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> StringsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task<List<string>> StringsAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await StringsAsync(connection, sql);
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<int> ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteNonQueryAsync();
    }
}
