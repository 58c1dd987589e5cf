using Platform.BuildingBlocks.VectorSearch;

namespace Platform.VectorSearch.Tests;

/// <summary>
/// The behaviour every <see cref="IVectorIndex"/> adapter must have. Derive once per adapter. Each test works in a fresh
/// random tenant, so an index may be shared between tests.
/// </summary>
public abstract class VectorIndexContractTests
{
    private const int Dimension = TestPoints.Dimension;

    /// <summary>An empty index of <see cref="TestPoints.Dimension"/> dimensions.</summary>
    protected abstract Task<IVectorIndex> CreateIndexAsync();

    private static string NewTenant() => "tenant-" + Guid.NewGuid().ToString("N");

    /// <summary>Named filters with the reference predicate each must equal; the theory below runs every one.</summary>
    private static readonly Dictionary<string, (Func<string, VectorFilter> Filter, Func<VectorPoint, bool> Keep)> Filters = new()
    {
        ["one type"] = (t => new VectorFilter(t) { PropertyTypes = ["house"] }, p => p.Payload.PropertyType == "house"),
        ["two types"] = (t => new VectorFilter(t) { PropertyTypes = ["cabin", "townhouse"] },
            p => p.Payload.PropertyType is "cabin" or "townhouse"),
        ["price range"] = (t => new VectorFilter(t) { MinPrice = 3_000_000, MaxPrice = 4_500_000 },
            p => p.Payload.Price is >= 3_000_000 and <= 4_500_000),
        ["minimum price"] = (t => new VectorFilter(t) { MinPrice = 8_000_000 }, p => p.Payload.Price >= 8_000_000),
        ["bedrooms range"] = (t => new VectorFilter(t) { MinBedrooms = 2, MaxBedrooms = 3 }, p => p.Payload.Bedrooms is >= 2 and <= 3),
        ["maximum bedrooms"] = (t => new VectorFilter(t) { MaxBedrooms = 0 }, p => p.Payload.Bedrooms == 0),
        ["radius"] = (t => new VectorFilter(t) { Radius = new GeoRadius(59.91, 10.75, 4) },
            p => TestPoints.Kilometers(59.91, 10.75, p.Payload.Latitude, p.Payload.Longitude) <= 4),
        ["status active"] = (t => new VectorFilter(t) { Status = "active" }, p => p.Payload.Status == "active"),
        ["excluded ids"] = (t => new VectorFilter(t) { ExcludeIds = [.. Enumerable.Range(0, 150).Select(i => $"p-{i:D4}")] },
            p => string.CompareOrdinal(p.Id, "p-0150") >= 0),
        ["only ids"] = (t => new VectorFilter(t) { OnlyIds = ["p-0003", "p-0077", "p-0150", "p-0299", "missing"] },
            p => p.Id is "p-0003" or "p-0077" or "p-0150" or "p-0299"),
        ["everything at once"] = (t => new VectorFilter(t)
        {
            PropertyTypes = ["apartment", "house"],
            MinPrice = 2_000_000,
            MaxPrice = 9_000_000,
            MinBedrooms = 1,
            Radius = new GeoRadius(59.93, 10.72, 8),
            Status = "active",
            ExcludeIds = ["p-0001", "p-0002"],
        }, p => p.Payload.PropertyType is "apartment" or "house" && p.Payload.Price is >= 2_000_000 and <= 9_000_000
            && p.Payload.Bedrooms >= 1 && TestPoints.Kilometers(59.93, 10.72, p.Payload.Latitude, p.Payload.Longitude) <= 8
            && p.Payload.Status == "active" && p.Id is not ("p-0001" or "p-0002")),
    };

    public static TheoryData<string> FilterNames() => [.. Filters.Keys];

    [Fact]
    public async Task Upsert_then_get_returns_the_unit_vector_and_the_payload()
    {
        var index = await CreateIndexAsync();
        var tenant = NewTenant();
        var point = TestPoints.Random(tenant, 1, seed: 1)[0];

        await index.UpsertAsync([point]);

        var stored = await index.GetAsync(tenant, point.Id);
        Assert.NotNull(stored);
        Assert.Equal(point.Id, stored.Id);
        Assert.Equal(point.Payload, stored.Payload);
        var norm = Math.Sqrt(point.Vector.Sum(c => (double)c * c));
        Assert.Equal(point.Vector.Select(c => c / norm), stored.Vector.Select(c => (double)c), new ToleranceComparer(1e-6));
        Assert.Equal(1, await index.CountAsync(tenant));
        Assert.Null(await index.GetAsync(tenant, "missing"));
    }

    [Fact]
    public async Task Upsert_of_an_existing_id_replaces_its_vector_and_payload()
    {
        var index = await CreateIndexAsync();
        var tenant = NewTenant();
        var original = TestPoints.Random(tenant, 1, seed: 2)[0];
        await index.UpsertAsync([original]);
        var replacement = original with
        {
            Vector = [.. original.Vector.Select(c => -c)],
            Payload = original.Payload with { Status = "sold", Price = 1_234_567, PropertyType = "cabin" },
        };

        await index.UpsertAsync([replacement]);

        var stored = await index.GetAsync(tenant, original.Id);
        Assert.Equal(replacement.Payload, stored!.Payload);
        Assert.Equal(1, await index.CountAsync(tenant));
        var hit = Assert.Single(await index.SearchAsync(replacement.Vector, 5, new VectorFilter(tenant)));
        Assert.Equal(1, hit.Score, 4);
        Assert.Empty(await index.SearchAsync(original.Vector, 5, new VectorFilter(tenant) { Status = "active" }));
    }

    [Fact]
    public async Task Delete_removes_exactly_the_given_ids()
    {
        var index = await CreateIndexAsync();
        var tenant = NewTenant();
        var points = TestPoints.Random(tenant, 20, seed: 3);
        await index.UpsertAsync(points);

        await index.DeleteAsync(tenant, ["p-0000", "p-0007", "p-0019", "never-existed"]);

        Assert.Equal(17, await index.CountAsync(tenant));
        Assert.Null(await index.GetAsync(tenant, "p-0007"));
        Assert.NotNull(await index.GetAsync(tenant, "p-0008"));
        var hits = await index.SearchAsync(points[7].Vector, 20, new VectorFilter(tenant));
        Assert.Equal(17, hits.Count);
        Assert.DoesNotContain(hits, h => h.Id is "p-0000" or "p-0007" or "p-0019");
    }

    [Fact]
    public async Task Search_returns_the_brute_force_top_k_in_order()
    {
        var index = await CreateIndexAsync();
        var tenant = NewTenant();
        var points = TestPoints.Random(tenant, 300, seed: 4);
        await index.UpsertAsync(points);
        var random = new Random(40);

        for (var query = 0; query < 5; query++)
        {
            var vector = TestPoints.RandomVector(random);
            var expected = TestPoints.BruteForce(points, vector, 10, _ => true);

            var hits = await index.SearchAsync(vector, 10, new VectorFilter(tenant));

            Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id));
            Assert.Equal(expected.Select(e => e.Score), hits.Select(h => (double)h.Score), new ToleranceComparer(1e-4));
            Assert.All(hits, h => Assert.Equal(points.Single(p => p.Id == h.Id).Payload, h.Payload));
        }
    }

    [Theory]
    [MemberData(nameof(FilterNames))]
    public async Task Filters_are_applied_inside_the_index_before_the_top_k_cut(string filterName)
    {
        var index = await CreateIndexAsync();
        var tenant = NewTenant();
        var points = TestPoints.Random(tenant, 300, seed: 5);
        await index.UpsertAsync(points);
        var (filter, keep) = Filters[filterName];
        var matching = points.Count(keep);
        Assert.InRange(matching, 1, points.Count - 10); // the filter must matter for the test to mean anything
        var random = new Random(50);

        for (var query = 0; query < 3; query++)
        {
            var vector = TestPoints.RandomVector(random);
            var expected = TestPoints.BruteForce(points, vector, 10, keep);

            var hits = await index.SearchAsync(vector, 10, filter(tenant));

            Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id));
        }
    }

    [Fact]
    public async Task A_limit_above_the_matches_returns_every_match_and_an_empty_tenant_returns_nothing()
    {
        var index = await CreateIndexAsync();
        var tenant = NewTenant();
        var points = TestPoints.Random(tenant, 30, seed: 6);
        await index.UpsertAsync(points);
        var query = points[0].Vector;

        var hits = await index.SearchAsync(query, 1000, new VectorFilter(tenant) { Status = "sold" });

        Assert.Equal(TestPoints.BruteForce(points, query, 1000, p => p.Payload.Status == "sold").Select(e => e.Id), hits.Select(h => h.Id));
        Assert.Empty(await index.SearchAsync(query, 10, new VectorFilter(NewTenant())));
        Assert.Empty(await index.SearchAsync(query, 10, new VectorFilter(tenant) { PropertyTypes = ["castle"] }));
        Assert.Equal(0, await index.CountAsync(NewTenant()));
    }

    [Fact]
    public async Task A_tenant_never_sees_another_tenants_points()
    {
        var index = await CreateIndexAsync();
        var (alice, bob) = (NewTenant(), NewTenant());
        // The same ids in both tenants, with different vectors and payloads.
        var alicePoints = TestPoints.Random(alice, 50, seed: 7);
        var bobPoints = TestPoints.Random(bob, 50, seed: 8);
        await index.UpsertAsync([.. alicePoints, .. bobPoints]);

        var hits = await index.SearchAsync(bobPoints[3].Vector, 50, new VectorFilter(alice));

        Assert.Equal(50, hits.Count);
        Assert.All(hits, h => Assert.Equal(alice, h.Payload.TenantId));
        Assert.Equal(TestPoints.BruteForce(alicePoints, bobPoints[3].Vector, 50, _ => true).Select(e => e.Id), hits.Select(h => h.Id));
        Assert.Equal(bobPoints[3].Payload, (await index.GetAsync(bob, "p-0003"))!.Payload);
        Assert.Equal(alicePoints[3].Payload, (await index.GetAsync(alice, "p-0003"))!.Payload);

        await index.DeleteAsync(alice, ["p-0003"]);

        Assert.Null(await index.GetAsync(alice, "p-0003"));
        Assert.NotNull(await index.GetAsync(bob, "p-0003"));
        Assert.Equal(49, await index.CountAsync(alice));
        Assert.Equal(50, await index.CountAsync(bob));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => index.RecommendAsync(["p-0003"], [], 5, new VectorFilter(alice)));
    }

    [Fact]
    public async Task Recommend_searches_by_the_average_vector_and_leaves_out_the_examples()
    {
        var index = await CreateIndexAsync();
        var tenant = NewTenant();
        var points = TestPoints.Random(tenant, 300, seed: 9);
        await index.UpsertAsync(points);
        string[] positive = ["p-0010", "p-0020"];
        string[] negative = ["p-0030"];
        float[] Unit(string id)
        {
            var vector = points.Single(p => p.Id == id).Vector;
            var norm = (float)Math.Sqrt(vector.Sum(c => (double)c * c));
            return [.. vector.Select(c => c / norm)];
        }

        // Qdrant's average_vector: avg(positive) + (avg(positive) - avg(negative)), over the stored unit vectors.
        var query = Enumerable.Range(0, Dimension)
            .Select(i => 2 * (Unit(positive[0])[i] + Unit(positive[1])[i]) / 2 - Unit(negative[0])[i]).ToArray();
        var filter = new VectorFilter(tenant) { Status = "active" };
        var examples = positive.Concat(negative).ToHashSet();
        var expected = TestPoints.BruteForce(points, query, 10, p => p.Payload.Status == "active" && !examples.Contains(p.Id));

        var hits = await index.RecommendAsync(positive, negative, 10, filter);

        Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id));
        Assert.Equal(expected.Select(e => e.Score), hits.Select(h => (double)h.Score), new ToleranceComparer(1e-4));

        var likeOne = await index.RecommendAsync(["p-0010"], [], 5, new VectorFilter(tenant));
        var expectedLikeOne = TestPoints.BruteForce(points, Unit("p-0010"), 5, p => p.Id != "p-0010");
        Assert.Equal(expectedLikeOne.Select(e => e.Id), likeOne.Select(h => h.Id));
    }

    [Fact]
    public async Task Recommend_needs_existing_positive_examples()
    {
        var index = await CreateIndexAsync();
        var tenant = NewTenant();
        await index.UpsertAsync(TestPoints.Random(tenant, 10, seed: 10));

        await Assert.ThrowsAsync<KeyNotFoundException>(() => index.RecommendAsync(["no-such-point"], [], 5, new VectorFilter(tenant)));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => index.RecommendAsync(["p-0001"], ["no-such-point"], 5, new VectorFilter(tenant)));
        await Assert.ThrowsAsync<ArgumentException>(() => index.RecommendAsync([], ["p-0001"], 5, new VectorFilter(tenant)));
    }

    [Theory]
    [InlineData("wrong dimension")]
    [InlineData("NaN")]
    [InlineData("infinity")]
    [InlineData("zero")]
    public async Task Invalid_vectors_are_rejected_with_the_point_named_and_nothing_written(string defect)
    {
        var index = await CreateIndexAsync();
        var tenant = NewTenant();
        var points = TestPoints.Random(tenant, 3, seed: 11);
        float[] bad = defect switch
        {
            "wrong dimension" => new float[Dimension - 1],
            "NaN" => [.. points[1].Vector.Select((c, i) => i == 5 ? float.NaN : c)],
            "infinity" => [.. points[1].Vector.Select((c, i) => i == 5 ? float.PositiveInfinity : c)],
            _ => new float[Dimension],
        };
        points[1] = points[1] with { Id = "the-bad-one", Vector = bad };

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.UpsertAsync(points));

        Assert.Contains("the-bad-one", error.Message);
        Assert.Equal(0, await index.CountAsync(tenant));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => index.SearchAsync(bad, 5, new VectorFilter(tenant)));
    }

    [Fact]
    public async Task Points_with_an_invalid_payload_are_rejected_with_the_field_named()
    {
        var index = await CreateIndexAsync();
        var tenant = NewTenant();
        var point = TestPoints.Random(tenant, 1, seed: 13)[0];

        var price = await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            index.UpsertAsync([point with { Payload = point.Payload with { Price = double.NaN } }]));
        var position = await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            index.UpsertAsync([point with { Payload = point.Payload with { Latitude = 91 } }]));
        var noTenant = await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            index.UpsertAsync([point with { Payload = point.Payload with { TenantId = "" } }]));

        Assert.Contains("Price", price.Message);
        Assert.Contains("Latitude", position.Message);
        Assert.Contains("tenant", noTenant.Message);
        Assert.Equal(0, await index.CountAsync(tenant));
    }

    [Fact]
    public async Task Requests_without_a_tenant_or_with_a_bad_limit_are_rejected()
    {
        var index = await CreateIndexAsync();
        var vector = TestPoints.RandomVector(new Random(12));

        await Assert.ThrowsAnyAsync<ArgumentException>(() => index.SearchAsync(vector, 5, new VectorFilter(" ")));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => index.SearchAsync(vector, 0, new VectorFilter(NewTenant())));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => index.CountAsync(""));
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            index.SearchAsync(vector, 5, new VectorFilter(NewTenant()) { MinPrice = 10, MaxPrice = 5 }));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
