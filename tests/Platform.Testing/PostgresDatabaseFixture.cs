using Npgsql;
using Platform.MarketData.Postgres;
using Xunit;

namespace Platform.Testing;

/// <summary>
/// xunit class fixture: a fresh, uniquely named, migrated database on the run's shared <see cref="PostgresCluster"/>,
/// dropped when the test class finishes. Use as <c>IClassFixture&lt;PostgresDatabaseFixture&gt;</c>.
/// </summary>
public class PostgresDatabaseFixture : IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;
    private PostgresCluster? _cluster;

    /// <summary>The database's name, e.g. <c>test_1a2b3c4d5e6f</c>.</summary>
    public string DatabaseName { get; } = "test_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Superuser (owner) connection string to this class's database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Owner data source (not subject to row-level security).</summary>
    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>Tenant-scoped connections on <see cref="DataSource"/>.</summary>
    public TenantConnectionFactory Tenants => new(DataSource);

    /// <summary>Whether to apply the platform migrations after creating the database (default true).</summary>
    protected virtual bool ApplyMigrations => true;

    public async Task InitializeAsync()
    {
        _cluster = await PostgresCluster.SharedAsync();
        await using (var admin = new NpgsqlConnection(_cluster.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {DatabaseName}", admin);
            await create.ExecuteNonQueryAsync();
        }

        ConnectionString = _cluster.ConnectionString(DatabaseName);
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
        if (ApplyMigrations)
        {
            await new PlatformDatabase(_dataSource).MigrateAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        if (_cluster is null)
        {
            return;
        }

        // Connections opened with the plain connection string live in Npgsql's global pools.
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_cluster.AdminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
