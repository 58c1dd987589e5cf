using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Npgsql;
using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.StateStore;
using Platform.BuildingBlocks.VectorSearch;
using Platform.MarketData.Postgres;
using Platform.MarketData.Synthetic;
using Platform.PortfolioTwin.Api;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Indexing;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Training;

namespace Platform.Host.Benchmarks;

public sealed record RecommendBenchmarkSettings(
    string ConnectionString,
    int Properties = 100_000,
    int Users = 200,
    int InteractionsPerUser = 40,
    int Requests = 2_000,
    int Warmup = 200,
    int TopK = 10,
    int Seed = 42,
    string TenantId = "bench-recommend",
    string ModelName = "twin-bench",
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
        var clock = Stopwatch.StartNew();
        var market = await BenchmarkMarket.LoadAsync(
            settings.ConnectionString,
            new SyntheticMarketOptions
            {
                Properties = settings.Properties,
                Users = settings.Users,
                InteractionsPerUser = settings.InteractionsPerUser,
                Seed = settings.Seed,
                TenantId = settings.TenantId,
            },
            cancellationToken).ConfigureAwait(false);

        var loadSeconds = clock.Elapsed.TotalSeconds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loaded {settings.Properties:N0} properties, {settings.Users} users in {loadSeconds:F1} s"));

        clock.Restart();
        var dataset = BenchmarkMarket.Dataset(market);
        var users = dataset.Users;
        var trained = new TwinTrainer().Train(
            dataset, BenchmarkMarket.ShortTraining(settings.TenantId, settings.Seed), cancellationToken: cancellationToken);
        var trainSeconds = clock.Elapsed.TotalSeconds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained a short twin in {trainSeconds:F1} s"));

        var artifacts = Directory.CreateTempSubdirectory("recommend-bench-");
        try
        {
            await using var app = BuildHost(settings, artifacts.FullName);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            using (var model = trained.Model)
            using (var file = new MemoryStream())
            {
                model.Save(file);
                file.Position = 0;
                var registry = app.Services.GetRequiredService<ModelRegistry>();
                var version = await registry.RegisterAsync(settings.TenantId, settings.ModelName, file, new Dictionary<string, double>(),
                    new ModelLineage($"synthetic-seed-{settings.Seed}", new Dictionary<string, string>(), "bench"), cancellationToken: cancellationToken).ConfigureAwait(false);
                await registry.SetAliasAsync(settings.TenantId, settings.ModelName, ModelRegistry.Champion, version.Version, cancellationToken).ConfigureAwait(false);
            }

            clock.Restart();
            var indexed = await app.Services.GetRequiredService<PropertyIndexer>().ReindexAsync(settings.TenantId, cancellationToken).ConfigureAwait(false);
            var indexSeconds = clock.Elapsed.TotalSeconds;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"encoded and indexed {indexed:N0} properties in {indexSeconds:F1} s"));

            var address = app.Urls.First();
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            client.DefaultRequestHeaders.Add("X-Tenant-Id", settings.TenantId);
            var random = new Random(settings.Seed);
            var latencies = new double[settings.Requests];
            long results = 0;
            for (var i = -settings.Warmup; i < settings.Requests; i++)
            {
                var request = new RecommendRequest(users[random.Next(users.Count)].UserId, settings.TopK, null, new SearchFilters
                {
                    PropertyTypes = ["leilighet", "rekkehus"],
                    MaxPrice = 6_000_000,
                });
                var started = Stopwatch.GetTimestamp();
                using var response = await client.PostAsJsonAsync("/recommend", request, TwinJson.Options, cancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadFromJsonAsync<RecommendResponse>(TwinJson.Options, cancellationToken).ConfigureAwait(false);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (!response.IsSuccessStatusCode || body is null)
                {
                    throw new InvalidOperationException($"/recommend answered {(int)response.StatusCode}.");
                }

                if (i >= 0)
                {
                    latencies[i] = elapsed;
                    results += body.Results.Count;
                }
            }

            // The same searches without HTTP and PostgreSQL, to tell the index's share of the latency from the rest.
            var index = app.Services.GetRequiredService<IVectorIndex>();
            var space = app.Services.GetRequiredService<PropertyIndexer>().SpaceFor(settings.TenantId);
            var filter = VectorFilter.All(
                new MatchAnyCondition(PropertyVectorSpace.Type, [PayloadValue.Keyword("leilighet"), PayloadValue.Keyword("rekkehus")]),
                new RangeCondition(PropertyVectorSpace.Price, Lte: 6_000_000),
                new MatchCondition(PropertyVectorSpace.Status, PayloadValue.Keyword("active")));
            var indexLatencies = new double[settings.Requests];
            for (var i = -settings.Warmup; i < settings.Requests; i++)
            {
                var query = RandomUnitVector(random, 16);
                var started = Stopwatch.GetTimestamp();
                await index.SearchAsync(space, new VectorQuery(settings.TenantId, query, settings.TopK) { Filter = filter }, cancellationToken).ConfigureAwait(false);
                if (i >= 0)
                {
                    indexLatencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }

            var loads = await LoadSideBySideAsync(app, address, settings, log, cancellationToken).ConfigureAwait(false);
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            Array.Sort(latencies);
            Array.Sort(indexLatencies);
            return new RecommendBenchmarkResult(settings.Properties, indexed, loadSeconds, trainSeconds, indexSeconds, settings.Requests,
                (double)results / settings.Requests, Percentile(latencies, 0.50), Percentile(latencies, 0.90), Percentile(latencies, 0.99), latencies[^1],
                Percentile(indexLatencies, 0.50), Percentile(indexLatencies, 0.99), loads);
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
            var recommend = new RecommendLoadSettings(settings.TenantId, settings.TopK, Seed: settings.Seed);
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
            var history = await RecommendHistoryBenchmark.RunAsync(client, new RecommendHistorySettings(settings.TenantId, Requests: 500, Warmup: 50, Seed: settings.Seed),
                log, cancellationToken).ConfigureAwait(false);
            log.WriteLine($"history, signals cache {seconds.ToString(CultureInfo.InvariantCulture)} s:{Environment.NewLine}{history.Describe()}");
        }

        return loads;
    }

    private static WebApplication BuildHost(RecommendBenchmarkSettings settings, string artifactsPath) =>
        BuildHost(settings.ConnectionString, settings.ModelName, artifactsPath, new Dictionary<string, string?>());

    /// <summary>The twin host on loopback with the embedded index in memory unless <paramref name="extra"/> says otherwise.</summary>
    internal static WebApplication BuildHost(string connectionString, string modelName, string artifactsPath, IReadOnlyDictionary<string, string?> extra)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Platform:Embedded:ArtifactsPath"] = artifactsPath,
            ["VectorIndex:Embedded:DataDirectory"] = string.Empty,
            ["PortfolioTwin:ModelName"] = modelName,
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

    private static double Percentile(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
