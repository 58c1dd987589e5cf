using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.StateStore;
using Platform.BuildingBlocks.VectorSearch;
using Platform.MarketData.Postgres;
using Platform.MarketData.Synthetic;
using Platform.PortfolioTwin.Api;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Training;

namespace Platform.Host.Benchmarks;

/// <summary>The synthetic market a twin benchmark loads (the tenant's data is replaced) and the model name its trainings are registered under.</summary>
public sealed record BenchmarkMarketSettings(
    string ConnectionString,
    string TenantId,
    string ModelName,
    int Properties = 100_000,
    int Users = 200,
    int InteractionsPerUser = 40,
    int Seed = 42);

/// <summary>
/// The set-up the twin benchmarks share: a migrated database holding a deterministic synthetic market, a short twin training,
/// its registration as the tenant's champion, and the real twin host on loopback.
/// </summary>
internal static class BenchmarkMarket
{
    /// <summary>Writes the market into PostgreSQL and returns it as a training dataset, with the seconds the load took.</summary>
    public static async Task<(TwinDataset Dataset, double Seconds)> LoadAsync(BenchmarkMarketSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await PlatformDatabase.MigrateAsOwnerAsync(settings.ConnectionString, cancellationToken).ConfigureAwait(false);
        await using var dataSource = NpgsqlDataSource.Create(settings.ConnectionString);
        var market = new SyntheticMarketGenerator(new SyntheticMarketOptions
        {
            Properties = settings.Properties,
            Users = settings.Users,
            InteractionsPerUser = settings.InteractionsPerUser,
            Seed = settings.Seed,
            TenantId = settings.TenantId,
        });
        await new PostgresMarketWriter(dataSource).WriteAsync(market, replace: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loaded {settings.Properties:N0} properties, {settings.Users} users in {seconds:F1} s"));
        return (new TwinDataset(market.Properties, [.. market.Users.Select(u => u.User)], [.. market.Interactions()]), seconds);
    }

    /// <summary>
    /// The saved model of a short twin training (two epochs of at most 50 steps: enough for embeddings to serve, short enough
    /// for a benchmark's set-up).
    /// </summary>
    public static byte[] TrainShort(TwinDataset dataset, string tenantId, int seed, CancellationToken cancellationToken)
    {
        var options = new TwinTrainingOptions { TenantId = tenantId, Epochs = 2, BatchSize = 256, MaxStepsPerEpoch = 50, Seed = seed };
        using var model = new TwinTrainer().Train(dataset, options, cancellationToken: cancellationToken).Model;
        using var file = new MemoryStream();
        model.Save(file);
        return file.ToArray();
    }

    /// <summary>Registers a saved model under the benchmark's model name and makes it the tenant's champion.</summary>
    public static async Task DeployAsync(ModelRegistry registry, BenchmarkMarketSettings settings, byte[] modelFile, CancellationToken cancellationToken)
    {
        using var file = new MemoryStream(modelFile);
        var version = await registry.RegisterAsync(settings.TenantId, settings.ModelName, file, new Dictionary<string, double>(),
            new ModelLineage($"synthetic-seed-{settings.Seed}", new Dictionary<string, string>(), "bench"), cancellationToken: cancellationToken).ConfigureAwait(false);
        await registry.SetAliasAsync(settings.TenantId, settings.ModelName, ModelRegistry.Champion, version.Version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The twin host on loopback with the embedded index in memory unless <paramref name="extra"/> says otherwise.</summary>
    public static WebApplication BuildHost(BenchmarkMarketSettings market, string artifactsPath, IReadOnlyDictionary<string, string?> extra)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = market.ConnectionString,
            ["Platform:Embedded:ArtifactsPath"] = artifactsPath,
            ["VectorIndex:Embedded:DataDirectory"] = string.Empty,
            ["PortfolioTwin:ModelName"] = market.ModelName,
            // The benchmark drives indexing itself; no background reindex of other tenants while it measures.
            ["PortfolioTwin:ReindexOnModelChange"] = "false",
            ["Platform:RateLimit:PermitLimit"] = "1000000",
            // The benchmark's own throwaway host on loopback: the tenant header alone is its credential (development mode).
            ["Platform:Auth:AllowTenantHeader"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        // Registry metadata lives as long as the run, like the temporary artifact folder its model file is written to.
        builder.Services.AddSingleton<IStateStore, InMemoryStateStore>();
        builder.AddPlatformBuildingBlocks();
        builder.Services.AddVectorIndex(builder.Configuration);
        builder.AddPortfolioTwin();
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        app.MapPortfolioTwinApi();
        return app;
    }
}
