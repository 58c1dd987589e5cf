using Npgsql;
using Platform.MarketData.Postgres;
using Platform.MarketData.Synthetic;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Training;

namespace Platform.Host.Benchmarks;

/// <summary>The set-up the twin benchmarks share: a migrated database holding a deterministic synthetic market, and a short twin training.</summary>
internal static class BenchmarkMarket
{
    public static async Task<SyntheticMarketGenerator> LoadAsync(
        string connectionString, SyntheticMarketOptions options, CancellationToken cancellationToken)
    {
        await PlatformDatabase.MigrateAsOwnerAsync(connectionString, cancellationToken).ConfigureAwait(false);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var market = new SyntheticMarketGenerator(options);
        await new PostgresMarketWriter(dataSource).WriteAsync(market, replace: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        return market;
    }

    public static TwinDataset Dataset(SyntheticMarketGenerator market) =>
        new(market.Properties, [.. market.Users.Select(u => u.User)], [.. market.Interactions()]);

    /// <summary>Two epochs of at most 50 steps: enough for embeddings to serve, short enough for a benchmark's set-up.</summary>
    public static TwinTrainingOptions ShortTraining(string tenantId, int seed) =>
        new() { TenantId = tenantId, Epochs = 2, BatchSize = 256, MaxStepsPerEpoch = 50, Seed = seed };
}
