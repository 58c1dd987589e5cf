using Npgsql;
using Platform.MarketData.Postgres;
using Xunit;

namespace Platform.Testing;

/// <summary>
/// xunit class fixture: a fresh, uniquely named database on the run's shared <see cref="PostgresCluster"/>, owned by the
/// migration owner and migrated by it (as the platform does), dropped when the test class finishes. Hosts under test get
/// <see cref="ConnectionString"/> (the least-privilege service role); tests seed and inspect through <see cref="DataSource"/>
/// (the superuser). Use as <c>IClassFixture&lt;PostgresDatabaseFixture&gt;</c>.
/// </summary>
public class PostgresDatabaseFixture : IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;
    private NpgsqlDataSource? _serviceDataSource;
    private PostgresCluster? _cluster;

    /// <summary>The database's name, e.g. <c>test_1a2b3c4d5e6f</c>.</summary>
    public string DatabaseName { get; } = "test_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// The service role's connection string (<see cref="PostgresRoles.Service"/>: owns nothing, bound by row-level security):
    /// what a host under test connects with. Its migrations find the owner through <see cref="PostgresRoles.OwnerConnectionStringVariable"/>.
    /// </summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The migration owner's connection string (<see cref="PostgresRoles.Owner"/>).</summary>
    public string OwnerConnectionString { get; private set; } = "";

    /// <summary>The superuser's connection string to this database: seeding and inspecting across tenants.</summary>
    public string SuperuserConnectionString { get; private set; } = "";

    /// <summary>Superuser data source (not subject to row-level security): seeding and inspecting across tenants.</summary>
    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>The service role's data source, as a host has it.</summary>
    public NpgsqlDataSource ServiceDataSource => _serviceDataSource ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>Tenant-scoped connections on <see cref="DataSource"/>.</summary>
    public TenantConnectionFactory Tenants => new(DataSource);

    /// <summary>Whether to apply the platform migrations after creating the database (default true).</summary>
    protected virtual bool ApplyMigrations => true;

    public async Task InitializeAsync()
    {
        _cluster = await PostgresCluster.SharedAsync();
        await _cluster.CreateDatabaseAsync(DatabaseName);

        SuperuserConnectionString = _cluster.ConnectionString(DatabaseName);
        OwnerConnectionString = _cluster.OwnerConnectionString(DatabaseName);
        ConnectionString = _cluster.ServiceConnectionString(DatabaseName);
        _dataSource = NpgsqlDataSource.Create(SuperuserConnectionString);
        _serviceDataSource = NpgsqlDataSource.Create(ConnectionString);
        if (ApplyMigrations)
        {
            await using var owner = NpgsqlDataSource.Create(OwnerConnectionString);
            await new PlatformDatabase(owner).MigrateAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        if (_serviceDataSource is not null)
        {
            await _serviceDataSource.DisposeAsync();
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
