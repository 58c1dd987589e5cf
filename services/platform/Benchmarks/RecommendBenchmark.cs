using System.Diagnostics;
using System.Globalization;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.VectorSearch;
using Platform.PortfolioTwin.Api;
using Platform.PortfolioTwin.Api.Indexing;

namespace Platform.Host.Benchmarks;

public sealed record RecommendBenchmarkSettings(
    BenchmarkMarketSettings Market,
    int Requests = 2_000,
    int Warmup = 200,
    int TopK = 10,
    double LoadSeconds = 0,
    int Concurrency = 32);

public sealed record RecommendBenchmarkResult(
    int Properties,
    long Indexed,
    double LoadSeconds,
    double TrainSeconds,
    double IndexSeconds,
    int Requests,
    double MeanResults,
    double P50Milliseconds,
    double P90Milliseconds,
    double P99Milliseconds,
    double MaxMilliseconds,
    double IndexP50Milliseconds,
    double IndexP99Milliseconds,
    IReadOnlyList<(double SignalsCacheSeconds, HttpLoadResult Load, double CpuMicrosecondsPerRequest)> Loads)
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"properties={Properties} indexed={Indexed} load={LoadSeconds:F1}s train={TrainSeconds:F1}s index={IndexSeconds:F1}s | "
        + $"POST /recommend top-k with filter: requests={Requests} mean_results={MeanResults:F1} "
        + $"p50={P50Milliseconds:F2}ms p90={P90Milliseconds:F2}ms p99={P99Milliseconds:F2}ms max={MaxMilliseconds:F2}ms | "
        + $"index search alone (same filter, in process): p50={IndexP50Milliseconds:F3}ms p99={IndexP99Milliseconds:F3}ms")
        + string.Concat(Loads.Select(l => string.Create(CultureInfo.InvariantCulture,
            $"{Environment.NewLine}load, PortfolioTwin:RecentSignalsCacheSeconds={l.SignalsCacheSeconds}: {l.Load.Describe()} "
            + $"cpu_per_request={l.CpuMicrosecondsPerRequest:F0}us")));
}

/// <summary>
/// Measures <c>POST /recommend</c> end to end in process: a synthetic market (seeded) is loaded into PostgreSQL, a short twin
/// training run is registered under its own model name, the real host (Kestrel on loopback, embedded vector index in memory)
/// indexes every property, then sequential requests for random users with a type + price filter are timed from send to fully
/// read response. Each request includes the tenant-scoped PostgreSQL read of the user's interactions.
/// </summary>
public static class RecommendBenchmark
{
    public static async Task<RecommendBenchmarkResult> RunAsync(RecommendBenchmarkSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var market = settings.Market;
        var (dataset, loadSeconds) = await BenchmarkMarket.LoadAsync(market, log, cancellationToken).ConfigureAwait(false);
        var users = dataset.Users;
        var clock = Stopwatch.StartNew();
        var trained = BenchmarkMarket.TrainShort(dataset, market.TenantId, market.Seed, cancellationToken);
        var trainSeconds = clock.Elapsed.TotalSeconds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained a short twin in {trainSeconds:F1} s"));

        var artifacts = Directory.CreateTempSubdirectory("recommend-bench-");
        try
        {
            await using var app = BenchmarkMarket.BuildHost(market, artifacts.FullName, new Dictionary<string, string?>());
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await BenchmarkMarket.DeployAsync(app.Services.GetRequiredService<ModelRegistry>(), market, trained, cancellationToken).ConfigureAwait(false);

            clock.Restart();
            var indexed = await app.Services.GetRequiredService<PropertyIndexer>().ReindexAsync(market.TenantId, cancellationToken).ConfigureAwait(false);
            var indexSeconds = clock.Elapsed.TotalSeconds;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"encoded and indexed {indexed:N0} properties in {indexSeconds:F1} s"));

            var address = app.Urls.First();
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            var random = new Random(market.Seed);
            var latencies = new double[settings.Requests];
            long results = 0;
            for (var i = -settings.Warmup; i < settings.Requests; i++)
            {
                var user = users[random.Next(users.Count)].UserId;
                var started = Stopwatch.GetTimestamp();
                var body = await TwinApiCalls.RecommendAsync(client, market.TenantId, user, settings.TopK, TwinApiCalls.TypeAndPriceFilter(), cancellationToken).ConfigureAwait(false);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (i >= 0)
                {
                    latencies[i] = elapsed;
                    results += body.Results.Count;
                }
            }

            // The same searches without HTTP and PostgreSQL, to tell the index's share of the latency from the rest.
            var index = app.Services.GetRequiredService<IVectorIndex>();
            var space = app.Services.GetRequiredService<PropertyIndexer>().SpaceFor(market.TenantId);
            var filter = VectorFilter.All(
                new MatchAnyCondition(PropertyVectorSpace.Type, [PayloadValue.Keyword("leilighet"), PayloadValue.Keyword("rekkehus")]),
                new RangeCondition(PropertyVectorSpace.Price, Lte: 6_000_000),
                new MatchCondition(PropertyVectorSpace.Status, PayloadValue.Keyword("active")));
            var indexLatencies = new double[settings.Requests];
            for (var i = -settings.Warmup; i < settings.Requests; i++)
            {
                var query = RandomUnitVector(random, 16);
                var started = Stopwatch.GetTimestamp();
                await index.SearchAsync(space, new VectorQuery(market.TenantId, query, settings.TopK) { Filter = filter }, cancellationToken).ConfigureAwait(false);
                if (i >= 0)
                {
                    indexLatencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }

            var loads = await LoadSideBySideAsync(app, address, settings, log, cancellationToken).ConfigureAwait(false);
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            Array.Sort(latencies);
            Array.Sort(indexLatencies);
            return new RecommendBenchmarkResult(market.Properties, indexed, loadSeconds, trainSeconds, indexSeconds, settings.Requests,
                (double)results / settings.Requests, Latencies.Percentile(latencies, 0.50), Latencies.Percentile(latencies, 0.90), Latencies.Percentile(latencies, 0.99),
                latencies[^1], Latencies.Percentile(indexLatencies, 0.50), Latencies.Percentile(indexLatencies, 0.99), loads);
        }
        finally
        {
            artifacts.Delete(recursive: true);
        }
    }

    /// <summary>
    /// <c>bench recommend-load</c>'s client against this host, with the recent-signals cache off and on in turn (twice each, the
    /// option switched live on the same host and data), so both settings meet the same machine within one run; then
    /// <see cref="RecommendHistoryBenchmark"/> with the cache off and on.
    /// </summary>
    private static async Task<List<(double, HttpLoadResult, double)>> LoadSideBySideAsync(
        WebApplication app, string address, RecommendBenchmarkSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var loads = new List<(double, HttpLoadResult, double)>();
        if (settings.LoadSeconds <= 0)
        {
            return loads;
        }

        var configuration = (IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>();
        var cached = new PortfolioTwinOptions().RecentSignalsCacheSeconds;
        using var client = HttpLoadDriver.CreateClient(new Uri(address + "/"), settings.Concurrency);
        foreach (var seconds in new[] { 0, cached, 0, cached })
        {
            configuration["PortfolioTwin:RecentSignalsCacheSeconds"] = seconds.ToString(CultureInfo.InvariantCulture);
            configuration.Reload();
            var recommend = new RecommendLoadSettings(settings.Market.TenantId, settings.TopK, Seed: settings.Market.Seed);
            await RecommendLoadBenchmark.RunAsync(client, recommend, new HttpLoadSettings(TimeSpan.FromSeconds(2), settings.Concurrency), cancellationToken)
                .ConfigureAwait(false);
            // CPU time of the whole process (host and client together) per measured request: what the shared box's load
            // disturbs far less than throughput, which only says how much of the 2 cores this process was given.
            var cpuBefore = Environment.CpuUsage.TotalTime;
            var load = await RecommendLoadBenchmark.RunAsync(client, recommend, new HttpLoadSettings(TimeSpan.FromSeconds(settings.LoadSeconds), settings.Concurrency),
                cancellationToken).ConfigureAwait(false);
            var cpuPerRequest = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMicroseconds / Math.Max(1, load.Requests + load.Errors);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"signals cache {seconds} s: {load.Describe()} cpu_per_request={cpuPerRequest:F0}us"));
            loads.Add((seconds, load, cpuPerRequest));
        }

        // Bounded history on the same host: a user with 10,000 posted views beside one with 10, cache off (a read per request), then on.
        foreach (var seconds in new[] { 0, cached })
        {
            configuration["PortfolioTwin:RecentSignalsCacheSeconds"] = seconds.ToString(CultureInfo.InvariantCulture);
            configuration.Reload();
            var history = await RecommendHistoryBenchmark.RunAsync(client, new RecommendHistorySettings(settings.Market.TenantId, Requests: 500, Warmup: 50, Seed: settings.Market.Seed),
                log, cancellationToken).ConfigureAwait(false);
            log.WriteLine($"history, signals cache {seconds.ToString(CultureInfo.InvariantCulture)} s:{Environment.NewLine}{history.Describe()}");
        }

        return loads;
    }

    private static float[] RandomUnitVector(Random random, int dimension)
    {
        var vector = new float[dimension];
        for (var d = 0; d < dimension; d++)
        {
            vector[d] = (float)(random.NextDouble() * 2 - 1);
        }

        var norm = System.Numerics.Tensors.TensorPrimitives.Norm(vector);
        System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
        return vector;
    }

}
