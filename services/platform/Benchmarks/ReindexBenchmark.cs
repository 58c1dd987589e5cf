using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Platform.BuildingBlocks.Registry;
using Platform.PortfolioTwin.Api.Indexing;

namespace Platform.Host.Benchmarks;

public sealed record ReindexBenchmarkSettings(
    BenchmarkMarketSettings Market,
    int Concurrency = 4,
    double SettleSeconds = 3,
    int ProbeUsers = 40,
    int TopK = 10,
    string? QdrantUrl = null,
    string? QdrantApiKey = null);

/// <summary>Latency of one phase of the run.</summary>
public sealed record PhaseLatency(string Phase, int Requests, double P50Milliseconds, double P99Milliseconds, double MaxMilliseconds)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Phase}: requests={Requests} p50={P50Milliseconds:F2}ms p99={P99Milliseconds:F2}ms max={MaxMilliseconds:F2}ms");
}

public sealed record ReindexBenchmarkResult(
    string Index,
    int Properties,
    double InitialIndexSeconds,
    double ReindexSeconds,
    int Requests,
    int Errors,
    int Mixed,
    int AnsweredByOld,
    int AnsweredByNew,
    int DistinguishableProbes,
    IReadOnlyList<PhaseLatency> Phases,
    string? FirstError)
{
    public string Describe() =>
        FormattableString.Invariant($"index={Index} properties={Properties} initial_index={InitialIndexSeconds:F1}s reindex_v2={ReindexSeconds:F1}s | ")
        + FormattableString.Invariant($"POST /recommend under load: requests={Requests} errors={Errors} mixed={Mixed} answered_by_v1={AnsweredByOld} answered_by_v2={AnsweredByNew} ")
        + FormattableString.Invariant($"(probe users whose v1 and v2 answers differ: {DistinguishableProbes}) | {string.Join(" | ", Phases)}")
        + (FirstError is null ? string.Empty : $" | first error: {FirstError}");
}

/// <summary>
/// A model deploy under load: a synthetic market (seeded) is loaded into PostgreSQL, two short twin trainings with different
/// seeds give models v1 and v2, the real host (Kestrel on loopback) serves v1's index, then while <c>Concurrency</c> clients
/// call <c>POST /recommend</c> without pause, v2 becomes champion and the index is rebuilt aside and switched. Every answer
/// is checked against the answer of the model version it names, computed before the deploy (v1) and after (v2): an answer
/// that matches neither came from a half-filled or mixed index. Latency is reported before, during and after the rebuild.
/// </summary>
public static class ReindexBenchmark
{
    public static async Task<ReindexBenchmarkResult> RunAsync(ReindexBenchmarkSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var market = settings.Market;
        var (dataset, _) = await BenchmarkMarket.LoadAsync(market, log, cancellationToken).ConfigureAwait(false);
        var users = dataset.Users;
        var clock = Stopwatch.StartNew();
        var (v1File, v2File) = (BenchmarkMarket.TrainShort(dataset, market.TenantId, market.Seed, cancellationToken),
            BenchmarkMarket.TrainShort(dataset, market.TenantId, market.Seed + 1, cancellationToken));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained two short twins (seeds {market.Seed}, {market.Seed + 1}) in {clock.Elapsed.TotalSeconds:F1} s"));

        var artifacts = Directory.CreateTempSubdirectory("reindex-bench-");
        var space = "bench-reindex-" + Guid.NewGuid().ToString("N")[..8];
        var extra = new Dictionary<string, string?> { ["PortfolioTwin:IndexSpace"] = space };
        if (settings.QdrantUrl is { } url)
        {
            extra["VectorIndex:Provider"] = "qdrant";
            extra["VectorIndex:Qdrant:Url"] = url;
            extra["VectorIndex:Qdrant:ApiKey"] = settings.QdrantApiKey;
            extra["VectorIndex:Qdrant:OldVersionGracePeriod"] = "00:00:10";
        }

        try
        {
            await using var app = BenchmarkMarket.BuildHost(market, artifacts.FullName, extra);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var registry = app.Services.GetRequiredService<ModelRegistry>();
            var indexer = app.Services.GetRequiredService<PropertyIndexer>();

            clock.Restart();
            await BenchmarkMarket.DeployAsync(registry, market, v1File, cancellationToken).ConfigureAwait(false);
            await indexer.EnsureCurrentAsync(market.TenantId, cancellationToken).ConfigureAwait(false);
            var initialSeconds = clock.Elapsed.TotalSeconds;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"indexed {market.Properties:N0} properties as {indexer.ServingVersion(market.TenantId)} in {initialSeconds:F1} s"));

            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            var probes = users.Take(settings.ProbeUsers).Select(u => u.UserId).ToList();
            var expectedV1 = await AnswersAsync(client, market.TenantId, probes, settings.TopK, expectedVersion: 1, cancellationToken).ConfigureAwait(false);

            // Load: each client sends the next request as soon as the last one is answered.
            var samples = new ConcurrentQueue<Sample>();
            var errors = 0;
            string? firstError = null;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var origin = Stopwatch.GetTimestamp();
            var workers = Enumerable.Range(0, settings.Concurrency).Select(w => Task.Run(async () =>
            {
                var random = new Random(market.Seed * 31 + w);
                while (!stop.IsCancellationRequested)
                {
                    var user = probes[random.Next(probes.Count)];
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        var body = await TwinApiCalls.RecommendAsync(client, market.TenantId, user, settings.TopK, TwinApiCalls.TypeAndPriceFilter(), CancellationToken.None).ConfigureAwait(false);
                        samples.Enqueue(new Sample(Stopwatch.GetElapsedTime(origin, started).TotalSeconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds, user, body.ModelVersion,
                            [.. body.Results.Select(r => r.PropertyId)]));
                    }
                    catch (Exception e)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, e.Message, null);
                    }
                }
            })).ToList();

            await Task.Delay(TimeSpan.FromSeconds(settings.SettleSeconds), cancellationToken).ConfigureAwait(false);
            var deployAt = Stopwatch.GetElapsedTime(origin).TotalSeconds;
            clock.Restart();
            await BenchmarkMarket.DeployAsync(registry, market, v2File, cancellationToken).ConfigureAwait(false);
            await indexer.EnsureCurrentAsync(market.TenantId, cancellationToken).ConfigureAwait(false);
            var reindexSeconds = clock.Elapsed.TotalSeconds;
            var switchedAt = Stopwatch.GetElapsedTime(origin).TotalSeconds;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"re-indexed as {indexer.ServingVersion(market.TenantId)} under load in {reindexSeconds:F1} s"));
            await Task.Delay(TimeSpan.FromSeconds(settings.SettleSeconds), cancellationToken).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(workers).ConfigureAwait(false);

            var expectedV2 = await AnswersAsync(client, market.TenantId, probes, settings.TopK, expectedVersion: 2, cancellationToken).ConfigureAwait(false);
            var all = samples.ToList();
            var mixed = all.Count(s => !(s.ModelVersion switch
            {
                1 => expectedV1[s.User].SequenceEqual(s.Ids),
                2 => expectedV2[s.User].SequenceEqual(s.Ids),
                _ => false,
            }));
            await app.StopAsync(cancellationToken).ConfigureAwait(false);

            return new ReindexBenchmarkResult(
                settings.QdrantUrl is null ? "embedded" : $"qdrant {settings.QdrantUrl}",
                market.Properties, initialSeconds, reindexSeconds, all.Count, errors, mixed,
                all.Count(s => s.ModelVersion == 1), all.Count(s => s.ModelVersion == 2),
                probes.Count(p => !expectedV1[p].SequenceEqual(expectedV2[p])),
                [
                    Phase("before", all.Where(s => s.StartedAt < deployAt)),
                    Phase("during re-index", all.Where(s => s.StartedAt >= deployAt && s.StartedAt < switchedAt)),
                    Phase("after", all.Where(s => s.StartedAt >= switchedAt)),
                    Phase("all", all),
                ],
                firstError);
        }
        finally
        {
            artifacts.Delete(recursive: true);
        }
    }

    private static async Task<Dictionary<string, string[]>> AnswersAsync(
        HttpClient client, string tenantId, IReadOnlyList<string> users, int topK, int expectedVersion, CancellationToken cancellationToken)
    {
        var answers = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            var body = await TwinApiCalls.RecommendAsync(client, tenantId, user, topK, TwinApiCalls.TypeAndPriceFilter(), cancellationToken).ConfigureAwait(false);
            if (body.ModelVersion != expectedVersion)
            {
                throw new InvalidOperationException($"Expected model v{expectedVersion} to answer, got v{body.ModelVersion}.");
            }

            answers[user] = [.. body.Results.Select(r => r.PropertyId)];
        }

        return answers;
    }

    private static PhaseLatency Phase(string name, IEnumerable<Sample> samples)
    {
        var sorted = samples.Select(s => s.Milliseconds).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new PhaseLatency(name, 0, double.NaN, double.NaN, double.NaN);
        }

        return new PhaseLatency(name, sorted.Length, Latencies.Percentile(sorted, 0.50), Latencies.Percentile(sorted, 0.99), sorted[^1]);
    }

    private sealed record Sample(double StartedAt, double Milliseconds, string User, int ModelVersion, string[] Ids);
}
