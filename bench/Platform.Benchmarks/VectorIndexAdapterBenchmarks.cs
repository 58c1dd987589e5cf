using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Qdrant;
using Platform.Testing.Qdrant;

namespace Platform.Benchmarks;

/// <summary>
/// The same filtered queries on the embedded index and on the Qdrant adapter over the in-process gRPC fake, side by side:
/// the difference is the adapter's per-query overhead (Qdrant.Client, protobuf, HTTP/2 on loopback, the fake's own scan).
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class VectorIndexAdapterBenchmarks
{
    private AdapterUnderTest _adapter = null!;
    private int _next;

    [Params("embedded", "qdrant-fake")]
    public string Adapter { get; set; } = "embedded";

    [Params(1_000, 10_000)]
    public int Points { get; set; }

    [GlobalSetup]
    public void Setup() => _adapter = AdapterUnderTest.StartAsync(Adapter, Points).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => _adapter.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "search top-10, filtered")]
    public Task<IReadOnlyList<VectorHit>> SearchFiltered() => _adapter.Fixture.SearchAsync(_next++, _adapter.Fixture.Filter);

    [Benchmark(Description = "recommend top-10, filtered")]
    public Task<IReadOnlyList<VectorHit>> RecommendFiltered() => _adapter.Fixture.RecommendAsync(_next++);

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(StatisticColumn.P50, StatisticColumn.P95);
    }
}

/// <summary>An adapter loaded with the benchmark's seeded points: the embedded index, or Qdrant.Client against the fake.</summary>
public sealed class AdapterUnderTest : IAsyncDisposable
{
    private readonly FakeQdrantServer? _server;
    private readonly QdrantChannel? _channel;

    public FakeQdrantServer? Server => _server;

    private AdapterUnderTest(VectorIndexFixture fixture, FakeQdrantServer? server, QdrantChannel? channel)
    {
        Fixture = fixture;
        _server = server;
        _channel = channel;
    }

    public VectorIndexFixture Fixture { get; }

    public static async Task<AdapterUnderTest> StartAsync(string adapter, int points)
    {
        if (adapter == "embedded")
        {
            return new AdapterUnderTest(VectorIndexFixture.Create(points), null, null);
        }

        var server = await FakeQdrantServer.StartAsync();
        var options = new QdrantOptions { Url = server.Url, UpsertBatchSize = 1_000 };
        var channel = new QdrantChannel(options);
        return new AdapterUnderTest(VectorIndexFixture.Create(new QdrantVectorIndex(channel.Client, options), points), server, channel);
    }

    public async ValueTask DisposeAsync()
    {
        if (Fixture.Index is IDisposable disposable)
        {
            disposable.Dispose();
        }

        _channel?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// <c>adapters [points=1000,10000] [calls=2000]</c>: per-call p50/p99 of filtered search and recommend on each adapter, in one
/// run, interleaved per size so machine noise hits both alike.
/// </summary>
public static class VectorIndexAdapterLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        var sizes = args.Length > 0 ? args[0].Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray() : [1_000, 10_000];
        var calls = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000;
        foreach (var size in sizes)
        {
            await using var embedded = await AdapterUnderTest.StartAsync("embedded", size);
            await using var qdrant = await AdapterUnderTest.StartAsync("qdrant-fake", size);
            foreach (var (name, query) in new (string, Func<VectorIndexFixture, int, Task>)[]
            {
                ("search top-10, filtered", (f, i) => f.SearchAsync(i, f.Filter)),
                ("recommend top-10, filtered", (f, i) => f.RecommendAsync(i)),
            })
            {
                var e = await MeasureAsync(embedded.Fixture, query, calls);
                var behaviour = qdrant.Server!.Behaviour;
                behaviour.ServerTimes.Clear();
                behaviour.RecordServerTimes = true;
                var q = await MeasureAsync(qdrant.Fixture, query, calls);
                behaviour.RecordServerTimes = false;
                // The fake's own work (a LINQ scan over protobuf payloads, far slower than Qdrant's) is not the adapter's cost.
                var served = behaviour.ServerTimes.Where(t => t.Method == "Query").Select(t => t.Elapsed.TotalMilliseconds).Order().ToArray();
                var fakeP50 = served.Length == 0 ? 0 : served[served.Length / 2];
                Console.WriteLine(FormattableString.Invariant(
                    $"{size} points, {name}: embedded p50 {e.P50:F3} ms p99 {e.P99:F3} ms | qdrant-over-fake p50 {q.P50:F3} ms p99 {q.P99:F3} ms (fake's own scan p50 {fakeP50:F3} ms) | adapter overhead p50 ≈ {q.P50 - fakeP50:F3} ms"));
            }
        }

        return 0;
    }

    private static async Task<(double P50, double P99)> MeasureAsync(VectorIndexFixture fixture, Func<VectorIndexFixture, int, Task> query, int calls)
    {
        for (var i = 0; i < Math.Min(500, calls); i++)
        {
            await query(fixture, i);
        }

        var milliseconds = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await query(fixture, i);
            milliseconds[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(milliseconds);
        return (milliseconds[calls / 2], milliseconds[Math.Min(calls - 1, (int)Math.Ceiling(0.99 * calls) - 1)]);
    }
}
