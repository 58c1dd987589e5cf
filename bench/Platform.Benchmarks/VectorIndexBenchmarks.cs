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
    public void Cleanup() => ((IDisposable)_fixture.Index).Dispose();

    [Benchmark(Description = "recommend top-10, filtered")]
    public Task<IReadOnlyList<VectorHit>> RecommendFiltered() => _fixture.RecommendAsync(_next++);

    [Benchmark(Description = "search top-10, filtered")]
    public Task<IReadOnlyList<VectorHit>> SearchFiltered() => _fixture.SearchAsync(_next++, _fixture.Filter);

    [Benchmark(Description = "search top-10, tenant only")]
    public Task<IReadOnlyList<VectorHit>> SearchUnfiltered() => _fixture.SearchAsync(_next++, null);

    private sealed class PercentileConfig : ManualConfig
    {
        public PercentileConfig() => AddColumn(StatisticColumn.P50, StatisticColumn.P95, StatisticColumn.Max);
    }
}

/// <summary>A seeded index of one tenant's properties (any adapter) and the queries the benchmarks rotate through.</summary>
public sealed class VectorIndexFixture
{
    public const string Tenant = "bench";
    private const int Dimension = 16;
    private static readonly string[] Types = ["apartment", "house", "townhouse", "cabin"];

    private readonly float[][] _queries;
    private readonly string[][] _positives;
    private readonly string[][] _negatives;

    private VectorIndexFixture(IVectorIndex index, float[][] queries, string[][] positives, string[][] negatives)
    {
        Index = index;
        _queries = queries;
        _positives = positives;
        _negatives = negatives;
    }

    public static VectorSpace Space { get; } = new("bench-properties", Dimension,
    [
        new PayloadField("type", PayloadFieldType.Keyword),
        new PayloadField("price", PayloadFieldType.Float),
        new PayloadField("bedrooms", PayloadFieldType.Integer),
        new PayloadField("location", PayloadFieldType.Geo),
        new PayloadField("status", PayloadFieldType.Keyword),
    ]);

    public IVectorIndex Index { get; }

    /// <summary>Matches about a fifth of the points: half the types, 40% of the price span, about half active.</summary>
    public VectorFilter Filter { get; } = VectorFilter.All(
        new MatchAnyCondition("type", [PayloadValue.Keyword("apartment"), PayloadValue.Keyword("house")]),
        new RangeCondition("price", Gte: 2_000_000, Lte: 6_000_000),
        new MatchCondition("status", PayloadValue.Keyword("active")));

    /// <param name="dataDirectory">Where the embedded index keeps its snapshot; null for memory only.</param>
    public static VectorIndexFixture Create(int count, string? dataDirectory = null) =>
        Create(new EmbeddedVectorIndex(new EmbeddedVectorIndexOptions { DataDirectory = dataDirectory }), count);

    /// <summary>Loads <paramref name="count"/> seeded points into <paramref name="index"/>: the same data whatever the adapter.</summary>
    public static VectorIndexFixture Create(IVectorIndex index, int count)
    {
        var random = new Random(42);
        var points = new VectorPoint[count];
        for (var i = 0; i < count; i++)
        {
            points[i] = new VectorPoint($"property-{i}", RandomVector(random), new Dictionary<string, PayloadValue>
            {
                ["type"] = PayloadValue.Keyword(Types[random.Next(Types.Length)]),
                ["price"] = PayloadValue.Float(1_000_000 + random.NextDouble() * 9_000_000),
                ["bedrooms"] = PayloadValue.Integer(random.Next(0, 6)),
                ["location"] = PayloadValue.Geo(59.8 + random.NextDouble() * 0.3, 10.5 + random.NextDouble() * 0.5),
                ["status"] = PayloadValue.Keyword(random.Next(2) == 0 ? "active" : "sold"),
            });
        }

        index.EnsureSpaceAsync(Space).GetAwaiter().GetResult();
        index.UpsertAsync(Space, Tenant, points).GetAwaiter().GetResult();
        const int variants = 256;
        return new VectorIndexFixture(
            index,
            [.. Enumerable.Range(0, variants).Select(_ => RandomVector(random))],
            [.. Enumerable.Range(0, variants).Select(_ => Enumerable.Range(0, 3).Select(_ => $"property-{random.Next(count)}").ToArray())],
            [.. Enumerable.Range(0, variants).Select(_ => new[] { $"property-{random.Next(count)}" })]);
    }

    public Task<IReadOnlyList<VectorHit>> RecommendAsync(int variant) =>
        Index.RecommendAsync(Space, new RecommendQuery(Tenant, _positives[variant % _positives.Length], _negatives[variant % _negatives.Length], 10) { Filter = Filter });

    public Task<IReadOnlyList<VectorHit>> SearchAsync(int variant, VectorFilter? filter) =>
        Index.SearchAsync(Space, new VectorQuery(Tenant, _queries[variant % _queries.Length], 10) { Filter = filter });

    private static float[] RandomVector(Random random) =>
        [.. Enumerable.Range(0, Dimension).Select(_ => (float)(random.NextDouble() * 2 - 1))];
}
