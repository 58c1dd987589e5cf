using Npgsql;
using Platform.MarketData.Postgres;
using Platform.Testing;

namespace Platform.MarketData.Tests;

public sealed class MigrationTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Migrations_are_recorded_and_running_again_applies_nothing()
    {
        var again = await new PlatformDatabase(database.DataSource).MigrateAsync();

        Assert.Empty(again);
        await using var command = database.DataSource.CreateCommand("SELECT array_agg(version ORDER BY version) FROM schema_migrations");
        var versions = (int[])(await command.ExecuteScalarAsync())!;
        Assert.Equal(PlatformDatabase.Migrations.Select(m => m.Version), versions);
        Assert.Equal([1, 2, 3], versions.Take(3));
    }

    [Fact]
    public async Task The_service_role_starts_on_an_up_to_date_schema_without_privileges_but_cannot_migrate_a_new_one()
    {
        // A host given only the service login (Kubernetes: the migrate Job ran as the owner) checks and goes on.
        Assert.Empty(await new PlatformDatabase(database.ServiceDataSource).PendingMigrationsAsync());
        Assert.Empty(await new PlatformDatabase(database.ServiceDataSource).MigrateAsync());

        var cluster = await PostgresCluster.SharedAsync();
        var name = "unmigrated_" + Guid.NewGuid().ToString("N")[..12];
        await cluster.CreateDatabaseAsync(name);
        try
        {
            await using var service = NpgsqlDataSource.Create(cluster.ServiceConnectionString(name));
            Assert.Equal(PlatformDatabase.Migrations, await new PlatformDatabase(service).PendingMigrationsAsync());
            var denied = await Assert.ThrowsAsync<PostgresException>(() => new PlatformDatabase(service).MigrateAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(cluster.AdminConnectionString);
            await admin.OpenAsync();
            await new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin).ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Concurrent_migrators_on_a_fresh_database_apply_each_migration_once()
    {
        var cluster = await PostgresCluster.SharedAsync();
        var name = "migrate_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(cluster.AdminConnectionString))
        {
            await admin.OpenAsync();
            await new NpgsqlCommand($"CREATE DATABASE {name}", admin).ExecuteNonQueryAsync();
        }

        try
        {
            await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString(name));
            var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => new PlatformDatabase(dataSource).MigrateAsync()));

            Assert.Equal(PlatformDatabase.Migrations.Count, results.Sum(r => r.Count));
            await using var count = dataSource.CreateCommand("SELECT count(*) FROM schema_migrations");
            Assert.Equal((long)PlatformDatabase.Migrations.Count, await count.ExecuteScalarAsync());
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(cluster.AdminConnectionString);
            await admin.OpenAsync();
            await new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin).ExecuteNonQueryAsync();
        }
    }
}
