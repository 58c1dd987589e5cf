using Npgsql;
using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;
using Platform.Testing;

namespace Platform.MarketData.Tests;

public sealed class RowLevelSecurityTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private const string A = "tenant-a";
    private const string B = "tenant-b";

    public async Task InitializeAsync()
    {
        var tenants = new TenantStore(database.DataSource);
        await tenants.EnsureAsync(A);
        await tenants.EnsureAsync(B);
        var loader = new BulkLoader(database.DataSource);
        await loader.DeleteTenantDataAsync(A);
        await loader.DeleteTenantDataAsync(B);
        await loader.LoadPropertiesAsync(A, [TestData.Property(A, "a1"), TestData.Property(A, "a2")]);
        await loader.LoadPropertiesAsync(B, [TestData.Property(B, "b1")]);
        await loader.LoadInteractionsAsync(B, [TestData.Interaction(B, "e1", "u1", "b1")]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_scoped_connection_sees_only_its_own_tenants_rows_even_without_a_tenant_filter()
    {
        await using var connection = await database.Tenants.OpenAsync(A);

        Assert.Equal(["a1", "a2"], await StringsAsync(connection, "SELECT property_id FROM properties ORDER BY property_id"));
        Assert.Equal([A], await StringsAsync(connection, "SELECT tenant_id FROM tenants"));
        Assert.Empty(await StringsAsync(connection, "SELECT event_id FROM interactions"));
    }

    [Fact]
    public async Task A_scoped_connection_cannot_update_or_delete_another_tenants_rows()
    {
        await using (var connection = await database.Tenants.OpenAsync(A))
        {
            Assert.Equal(0, await ExecuteAsync(connection, "UPDATE properties SET usable_area = 1 WHERE property_id = 'b1'"));
            Assert.Equal(0, await ExecuteAsync(connection, "DELETE FROM properties WHERE tenant_id = 'tenant-b'"));
            Assert.Equal(0, await ExecuteAsync(connection, "DELETE FROM interactions"));
        }

        var b1 = await new PropertyStore(database.Tenants).GetAsync(B, "b1");
        Assert.Equal(70, b1!.UsableArea);
        Assert.Equal(1, await new InteractionStore(database.Tenants).CountAsync(B));
    }

    [Fact]
    public async Task A_scoped_connection_cannot_insert_or_move_rows_into_another_tenant()
    {
        await using var connection = await database.Tenants.OpenAsync(A);

        var insert = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection,
            "INSERT INTO interactions VALUES ('tenant-b', 'forged', 'u1', 'b1', 'like', now())"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);

        var move = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection,
            "UPDATE properties SET tenant_id = 'tenant-b' WHERE property_id = 'a1'"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, move.SqlState);
    }

    [Fact]
    public async Task Stores_write_through_the_scope_and_reject_rows_of_another_tenant()
    {
        var store = new PropertyStore(database.Tenants);
        await store.UpsertAsync(A, [TestData.Property(A, "a3", area: 55)]);

        Assert.Equal(55, (await store.GetAsync(A, "a3"))!.UsableArea);
        Assert.Null(await store.GetAsync(B, "a3"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertAsync(A, [TestData.Property(B, "b9")]));
        await Assert.ThrowsAsync<ArgumentException>(() => new BulkLoader(database.DataSource).LoadPropertiesAsync(A, [TestData.Property(B, "b9")]));
    }

    [Fact]
    public async Task Pooled_connections_lose_the_tenant_scope_when_returned()
    {
        // One physical connection, so the second open must reuse the first one's session.
        await using var dataSource = NpgsqlDataSource.Create(database.SuperuserConnectionString + ";Maximum Pool Size=1");
        var factory = new TenantConnectionFactory(dataSource);
        await using (var scoped = await factory.OpenAsync(A))
        {
            Assert.Equal(["platform_tenant"], await StringsAsync(scoped, "SELECT current_user::text"));
        }

        await using var plain = await dataSource.OpenConnectionAsync();
        Assert.Equal(["postgres"], await StringsAsync(plain, "SELECT current_user::text"));
        Assert.Equal([""], await StringsAsync(plain, "SELECT coalesce(current_setting('app.tenant_id', true), '')"));
        Assert.Equal(3L, await CountAsync(plain, "SELECT count(*) FROM properties WHERE property_id <> 'a3'"));
    }

    [Fact]
    public async Task Malformed_tenant_ids_are_rejected_before_reaching_the_database()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => database.Tenants.OpenAsync("a'; RESET ROLE; --"));
        Assert.Contains("tenantId", error.Message);
        Assert.Throws<ArgumentException>(() => new TenantConnectionFactory(NpgsqlDataSource.Create(database.ConnectionString + ";No Reset On Close=true")));
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

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }
}
