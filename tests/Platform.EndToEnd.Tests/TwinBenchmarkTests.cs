using Platform.Host.Benchmarks;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// <c>bench recommend</c> and <c>bench reindex</c> on a small market: the shared set-up (<c>BenchmarkMarket</c>: load, short
/// training, champion deploy, twin host) serves, and each benchmark measures what it says.
/// </summary>
public sealed class TwinBenchmarkTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task The_recommend_benchmark_times_every_request_over_the_indexed_market()
    {
        var market = new BenchmarkMarketSettings(database.ConnectionString, "bench-recommend", "twin-bench", Properties: 300, Users: 12, InteractionsPerUser: 25);
        var log = new StringWriter();

        var result = await RecommendBenchmark.RunAsync(new RecommendBenchmarkSettings(market, Requests: 30, Warmup: 3), log, CancellationToken.None);

        Assert.Equal((300, 300L, 30), (result.Properties, result.Indexed, result.Requests));
        Assert.InRange(result.P50Milliseconds, 0, result.P99Milliseconds);
        Assert.InRange(result.IndexP50Milliseconds, 0, result.IndexP99Milliseconds);
        Assert.Empty(result.Loads);
        Assert.Contains("loaded 300 properties, 12 users", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reindex_benchmark_deploys_under_load_without_errors_or_mixed_answers()
    {
        var market = new BenchmarkMarketSettings(database.ConnectionString, "bench-reindex", "twin-reindex", Properties: 300, Users: 12, InteractionsPerUser: 25);

        var result = await ReindexBenchmark.RunAsync(new ReindexBenchmarkSettings(market, Concurrency: 2, SettleSeconds: 0.5), TextWriter.Null, CancellationToken.None);

        Assert.True(result.Requests > 0, result.Describe());
        Assert.Equal(0, result.Errors);
        Assert.Equal(0, result.Mixed);
        Assert.Equal(result.Requests, result.AnsweredByOld + result.AnsweredByNew);
        Assert.Equal("embedded", result.Index);
    }
}
