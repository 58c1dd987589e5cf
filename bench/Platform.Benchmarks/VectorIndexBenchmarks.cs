using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Embedded;

namespace Platform.Benchmarks;

/// <summary>
/// The embedded index at the size the spec names: 100k properties of one tenant, 16-d embeddings, top-10 with a
/// filter (two property types, a price range, active only), as /recommend issues it.
/// </summary>
[Config(typeof(PercentileConfig))]
[MemoryDiagnoser]
public class VectorIndexBenchmarks
{
    private VectorIndexFixture _fixture = null!;
    private int _next;

    [Params(100_000)]
    public int Points { get; set; }

    [GlobalSetup]
    public void Setup() => _fixture = VectorIndexFixture.Create(Points);

    [GlobalCleanup]
    public void Cleanup() => _fixture.Index.Dispose();

    [Benchmark(Description = "recommend top-10, filtered")]
    public Task<IReadOnlyList<VectorHit>> RecommendFiltered() => _fixture.RecommendAsync(_next++);

    [Benchmark(Description = "search top-10, filtered")]
    public Task<IReadOnlyList<VectorHit>> SearchFiltered() => _fixture.SearchAsync(_next++, _fixture.Filter);

    [Benchmark(Description = "search top-10, tenant only")]
    public Task<IReadOnlyList<VectorHit>> SearchUnfiltered() => _fixture.SearchAsync(_next++, new VectorFilter(VectorIndexFixture.Tenant));

    private sealed class PercentileConfig : ManualConfig
    {
        public PercentileConfig() => AddColumn(StatisticColumn.P50, StatisticColumn.P95, StatisticColumn.Max);
    }
}

/// <summary>A seeded 100k-point index and the queries the benchmarks rotate through.</summary>
public sealed class VectorIndexFixture
{
    public const string Tenant = "bench";
    private const int Dimension = 16;
    private static readonly string[] Types = ["apartment", "house", "townhouse", "cabin"];

    private readonly float[][] _queries;
    private readonly string[][] _positives;
    private readonly string[][] _negatives;

    private VectorIndexFixture(EmbeddedVectorIndex index, float[][] queries, string[][] positives, string[][] negatives)
    {
        Index = index;
        _queries = queries;
        _positives = positives;
        _negatives = negatives;
    }

    public EmbeddedVectorIndex Index { get; }

    /// <summary>Matches about a fifth of the points: half the types, 40% of the price span, about half active.</summary>
    public VectorFilter Filter { get; } = new(Tenant)
    {
        PropertyTypes = ["apartment", "house"],
        MinPrice = 2_000_000,
        MaxPrice = 6_000_000,
        Status = "active",
    };

    /// <param name="dataDirectory">Where the index keeps its snapshot; null for memory only.</param>
    public static VectorIndexFixture Create(int count, string? dataDirectory = null)
    {
        var random = new Random(42);
        var index = new EmbeddedVectorIndex(new EmbeddedVectorIndexOptions { Dimension = Dimension, DataDirectory = dataDirectory });
        var points = new VectorPoint[count];
        for (var i = 0; i < count; i++)
        {
            points[i] = new VectorPoint(
                $"property-{i}",
                RandomVector(random),
                new VectorPayload(Tenant, Types[random.Next(Types.Length)], 1_000_000 + random.NextDouble() * 9_000_000,
                    random.Next(0, 6), 59.8 + random.NextDouble() * 0.3, 10.5 + random.NextDouble() * 0.5,
                    random.Next(2) == 0 ? "active" : "sold"));
        }

        index.UpsertAsync(points).GetAwaiter().GetResult();
        const int variants = 256;
        return new VectorIndexFixture(
            index,
            [.. Enumerable.Range(0, variants).Select(_ => RandomVector(random))],
            [.. Enumerable.Range(0, variants).Select(_ => Enumerable.Range(0, 3).Select(_ => $"property-{random.Next(count)}").ToArray())],
            [.. Enumerable.Range(0, variants).Select(_ => new[] { $"property-{random.Next(count)}" })]);
    }

    public Task<IReadOnlyList<VectorHit>> RecommendAsync(int variant) =>
        Index.RecommendAsync(_positives[variant % _positives.Length], _negatives[variant % _negatives.Length], 10, Filter);

    public Task<IReadOnlyList<VectorHit>> SearchAsync(int variant, VectorFilter filter) =>
        Index.SearchAsync(_queries[variant % _queries.Length], 10, filter);

    private static float[] RandomVector(Random random) =>
        [.. Enumerable.Range(0, Dimension).Select(_ => (float)(random.NextDouble() * 2 - 1))];
}
