using Platform.Host.Benchmarks.Fuzz;
using Platform.Testing;

namespace Platform.Api.Fuzz.Tests;

/// <summary>One fuzz target for the assembly: the all-in-one host on a fresh database with two tenants and small trained champions.</summary>
public sealed class FuzzTargetFixture : IAsyncLifetime
{
    private readonly PostgresDatabaseFixture _database = new();
    private readonly DirectoryInfo _workspace = Directory.CreateTempSubdirectory("platform-fuzz-tests-");

    public FuzzTarget Target { get; private set; } = null!;

    public StringWriter Log { get; } = new();

    /// <summary>The target's database, reached as its owner (for checks beside the host).</summary>
    public PostgresDatabaseFixture Database => _database;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        Target = await FuzzTarget.StartAsync(_database.ConnectionString, _database.SuperuserConnectionString, _workspace.FullName, Log, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (Target is not null)
        {
            await Target.DisposeAsync();
        }

        await _database.DisposeAsync();
        _workspace.Delete(recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class FuzzTargetCollection : ICollectionFixture<FuzzTargetFixture>
{
    public const string Name = "fuzz-target";
}
