using Platform.BuildingBlocks.VectorSearch;
using static Platform.VectorSearch.Tests.TestPoints;

namespace Platform.VectorSearch.Tests;

/// <summary>
/// The behaviour every <see cref="IVectorIndex"/> adapter must have. Derive once per adapter. Each test works in a fresh space
/// and random tenants, so one server may hold every test's data.
/// </summary>
public abstract class VectorIndexContractTests
{
    /// <summary>Named filters with the reference predicate each must equal; the theory below runs every one.</summary>
    private static readonly Dictionary<string, (FilterCondition Filter, Func<VectorPoint, bool> Keep)> Filters = new()
    {
        ["match keyword"] = (VectorFilter.All(Match("type", "house")), p => p.Type() == "house"),
        ["match any keyword"] = (VectorFilter.All(AnyOf("type", "cabin", "townhouse")), p => p.Type() is "cabin" or "townhouse"),
        ["match integer"] = (VectorFilter.All(new MatchCondition("bedrooms", PayloadValue.Integer(3))), p => p.Bedrooms() == 3),
        ["match any integer"] = (VectorFilter.All(new MatchAnyCondition("bedrooms", [PayloadValue.Integer(0), PayloadValue.Integer(5)])),
            p => p.Bedrooms() is 0 or 5),
        ["match bool"] = (VectorFilter.All(new MatchCondition("featured", PayloadValue.Bool(true))), p => p.Featured()),
        ["float range gte lte"] = (VectorFilter.All(new RangeCondition("price", Gte: 3_000_000, Lte: 4_500_000)),
            p => p.Price() is >= 3_000_000 and <= 4_500_000),
        ["float range gt"] = (VectorFilter.All(new RangeCondition("price", Gt: 8_000_000)), p => p.Price() > 8_000_000),
        ["integer range gt lt"] = (VectorFilter.All(new RangeCondition("bedrooms", Gt: 1, Lt: 4)), p => p.Bedrooms() is > 1 and < 4),
        ["geo radius"] = (VectorFilter.All(new GeoRadiusCondition("location", new GeoPoint(59.91, 10.75), 4_000)),
            p => Kilometers(new GeoPoint(59.91, 10.75), p.Location()) <= 4),
        ["has id"] = (VectorFilter.All(new HasIdCondition(["p-0003", "p-0077", "p-0150", "p-0299", "missing"])),
            p => p.Id is "p-0003" or "p-0077" or "p-0150" or "p-0299"),
        ["must not has id"] = (new VectorFilter { MustNot = [new HasIdCondition([.. Enumerable.Range(0, 150).Select(i => $"p-{i:D4}")])] },
            p => string.CompareOrdinal(p.Id, "p-0150") >= 0),
        ["must not keyword"] = (new VectorFilter { MustNot = [Match("status", "sold")] }, p => p.Status() != "sold"),
        ["should"] = (new VectorFilter { Should = [Match("type", "cabin"), new RangeCondition("bedrooms", Gte: 5)] },
            p => p.Type() == "cabin" || p.Bedrooms() >= 5),
        ["nested should in must"] = (VectorFilter.All(
                Match("status", "active"),
                new VectorFilter { Should = [Match("type", "house"), new MatchCondition("featured", PayloadValue.Bool(true))] }),
            p => p.Status() == "active" && (p.Type() == "house" || p.Featured())),
        ["everything at once"] = (new VectorFilter
        {
            Must =
            [
                AnyOf("type", "apartment", "house"),
                new RangeCondition("price", Gte: 2_000_000, Lte: 9_000_000),
                new RangeCondition("bedrooms", Gte: 1),
                new GeoRadiusCondition("location", new GeoPoint(59.93, 10.72), 8_000),
                Match("status", "active"),
            ],
            MustNot = [new HasIdCondition(["p-0001", "p-0002"])],
        }, p => p.Type() is "apartment" or "house" && p.Price() is >= 2_000_000 and <= 9_000_000
            && p.Bedrooms() >= 1 && Kilometers(new GeoPoint(59.93, 10.72), p.Location()) <= 8
            && p.Status() == "active" && p.Id is not ("p-0001" or "p-0002")),
    };

    /// <summary>Points per upsert request of the adapter, so batch boundaries can be tested on both sides.</summary>
    protected virtual int UpsertBatchSize => 64;

    /// <summary>An empty index (the same server for every call where the adapter has one).</summary>
    protected abstract Task<IVectorIndex> CreateIndexAsync();

    /// <summary>A second client of the same backing store, as another replica of the service would have.</summary>
    protected virtual Task<IVectorIndex> CreateReplicaAsync(IVectorIndex first) => Task.FromResult(first);

    public static TheoryData<string> FilterNames() => [.. Filters.Keys];

    [ContractFact]
    public async Task Upsert_then_get_returns_the_unit_vector_and_the_payload()
    {
        var (index, space, tenant) = await ArrangeAsync();
        var point = Random(1, seed: 1)[0];

        await index.UpsertAsync(space, tenant, [point]);

        var stored = await index.GetAsync(space, tenant, point.Id);
        Assert.NotNull(stored);
        Assert.Equal(point.Id, stored.Id);
        Assert.Equal(point.Payload.OrderBy(p => p.Key), stored.Payload.OrderBy(p => p.Key));
        Assert.Equal(Unit(point.Vector).Select(c => (double)c), stored.Vector.Select(c => (double)c), new ToleranceComparer(1e-6));
        Assert.Equal(1, await index.CountAsync(space, tenant));
        Assert.Null(await index.GetAsync(space, tenant, "missing"));
    }

    [ContractFact]
    public async Task Upserting_the_same_points_again_is_idempotent_and_an_existing_id_is_replaced()
    {
        var (index, space, tenant) = await ArrangeAsync();
        var points = Random(30, seed: 2);
        await index.UpsertAsync(space, tenant, points);
        await index.UpsertAsync(space, tenant, points);
        Assert.Equal(30, await index.CountAsync(space, tenant));

        var original = points[0];
        var payload = new Dictionary<string, PayloadValue>(original.Payload) { ["status"] = PayloadValue.Keyword("withdrawn"), ["price"] = PayloadValue.Float(1_234_567) };
        var replacement = original with { Vector = [.. original.Vector.Select(c => -c)], Payload = payload };
        await index.UpsertAsync(space, tenant, [replacement]);

        Assert.Equal(30, await index.CountAsync(space, tenant));
        var stored = await index.GetAsync(space, tenant, original.Id);
        Assert.Equal("withdrawn", stored!.Payload["status"].KeywordValue);
        Assert.Equal(1_234_567, stored.Payload["price"].FloatValue);
        var hit = (await index.SearchAsync(space, new VectorQuery(tenant, replacement.Vector, 1))).Single();
        Assert.Equal(original.Id, hit.Id);
        Assert.Equal(1, hit.Score, 4);
    }

    [ContractFact]
    public async Task Delete_removes_exactly_the_given_ids()
    {
        var (index, space, tenant) = await ArrangeAsync();
        var points = Random(20, seed: 3);
        await index.UpsertAsync(space, tenant, points);

        await index.DeleteAsync(space, tenant, ["p-0000", "p-0007", "p-0019", "never-existed"]);

        Assert.Equal(17, await index.CountAsync(space, tenant));
        Assert.Null(await index.GetAsync(space, tenant, "p-0007"));
        Assert.NotNull(await index.GetAsync(space, tenant, "p-0008"));
        var hits = await index.SearchAsync(space, new VectorQuery(tenant, points[7].Vector, 20));
        Assert.Equal(17, hits.Count);
        Assert.DoesNotContain(hits, h => h.Id is "p-0000" or "p-0007" or "p-0019");
    }

    [ContractFact]
    public async Task Search_returns_the_brute_force_top_k_in_order()
    {
        var (index, space, tenant) = await ArrangeAsync();
        var points = Random(300, seed: 4);
        await index.UpsertAsync(space, tenant, points);
        var random = new Random(40);

        for (var query = 0; query < 5; query++)
        {
            var vector = RandomVector(random);
            var expected = BruteForce(points, vector, 10, _ => true);

            var hits = await index.SearchAsync(space, new VectorQuery(tenant, vector, 10));

            Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id));
            Assert.Equal(expected.Select(e => e.Score), hits.Select(h => (double)h.Score), new ToleranceComparer(1e-4));
            Assert.All(hits, h => Assert.Equal(points.Single(p => p.Id == h.Id).Payload.OrderBy(p => p.Key), h.Payload.OrderBy(p => p.Key)));
        }
    }

    [ContractTheory]
    [MemberData(nameof(FilterNames))]
    public async Task Filters_are_applied_inside_the_index_before_the_top_k_cut(string filterName)
    {
        var (index, space, tenant) = await ArrangeAsync();
        var points = Random(300, seed: 5);
        await index.UpsertAsync(space, tenant, points);
        var (filter, keep) = Filters[filterName];
        var matching = points.Count(keep);
        Assert.InRange(matching, 1, points.Count - 10); // the filter must matter for the test to mean anything
        var random = new Random(50);

        for (var query = 0; query < 3; query++)
        {
            var vector = RandomVector(random);
            var expected = BruteForce(points, vector, 10, keep);

            var hits = await index.SearchAsync(space, new VectorQuery(tenant, vector, 10) { Filter = filter as VectorFilter ?? VectorFilter.All(filter) });

            // A post-filter would return fewer than min(10, matching) hits for selective filters; the cut comes after.
            Assert.Equal(Math.Min(10, matching), hits.Count);
            Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id));
        }
    }

    [ContractFact]
    public async Task A_limit_above_the_matches_returns_every_match_and_an_empty_tenant_returns_nothing()
    {
        var (index, space, tenant) = await ArrangeAsync();
        var points = Random(30, seed: 6);
        await index.UpsertAsync(space, tenant, points);
        var query = points[0].Vector;

        var hits = await index.SearchAsync(space, new VectorQuery(tenant, query, 1000) { Filter = VectorFilter.All(Match("status", "sold")) });

        Assert.Equal(BruteForce(points, query, 1000, p => p.Status() == "sold").Select(e => e.Id), hits.Select(h => h.Id));
        Assert.Empty(await index.SearchAsync(space, new VectorQuery(NewTenant(), query, 10)));
        Assert.Empty(await index.SearchAsync(space, new VectorQuery(tenant, query, 10) { Filter = VectorFilter.All(Match("type", "castle")) }));
        Assert.Equal(0, await index.CountAsync(space, NewTenant()));
    }

    [ContractFact]
    public async Task A_tenant_never_sees_or_touches_another_tenants_points_on_any_call()
    {
        var (index, space, alice) = await ArrangeAsync();
        var bob = NewTenant();
        // The same ids in both tenants, with different vectors and payloads.
        var alicePoints = Random(50, seed: 7);
        var bobPoints = Random(50, seed: 8);
        await index.UpsertAsync(space, alice, alicePoints);
        await index.UpsertAsync(space, bob, bobPoints);
        await index.UpsertAsync(space, bob, [Random(1, seed: 9, idPrefix: "bob-only")[0]]);

        var hits = await index.SearchAsync(space, new VectorQuery(alice, bobPoints[3].Vector, 60));
        Assert.Equal(50, hits.Count);
        Assert.Equal(BruteForce(alicePoints, bobPoints[3].Vector, 50, _ => true).Select(e => e.Id), hits.Select(h => h.Id));
        Assert.Equal(bobPoints[3].Payload["price"], (await index.GetAsync(space, bob, "p-0003"))!.Payload["price"]);
        Assert.Equal(alicePoints[3].Payload["price"], (await index.GetAsync(space, alice, "p-0003"))!.Payload["price"]);
        Assert.Null(await index.GetAsync(space, alice, "bob-only-0000"));
        Assert.Equal(50, await index.CountAsync(space, alice));
        Assert.Equal(51, await index.CountAsync(space, bob));

        var recommended = await index.RecommendAsync(space, new RecommendQuery(alice, ["p-0001"], ["p-0002"], 60));
        Assert.Equal(48, recommended.Count);
        Assert.DoesNotContain(recommended, h => h.Id.StartsWith("bob-only", StringComparison.Ordinal));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => index.RecommendAsync(space, new RecommendQuery(alice, ["bob-only-0000"], [], 5)));

        await index.DeleteAsync(space, alice, ["p-0003", "bob-only-0000"]);

        Assert.Null(await index.GetAsync(space, alice, "p-0003"));
        Assert.NotNull(await index.GetAsync(space, bob, "p-0003"));
        Assert.NotNull(await index.GetAsync(space, bob, "bob-only-0000"));
        Assert.Equal(49, await index.CountAsync(space, alice));
        Assert.Equal(51, await index.CountAsync(space, bob));
    }

    [ContractFact]
    public async Task Get_many_returns_the_tenants_points_in_the_order_asked_leaving_out_ids_it_lacks()
    {
        var (index, space, alice) = await ArrangeAsync();
        var bob = NewTenant();
        var alicePoints = Random(150, seed: 21);
        await index.UpsertAsync(space, alice, alicePoints);
        await index.UpsertAsync(space, bob, [Random(1, seed: 22, idPrefix: "bob-only")[0]]);
        // More ids than an upsert batch, out of order, one twice, one missing and one only the other tenant has.
        string[] asked = ["p-0140", "p-0003", "missing", "p-0077", "bob-only-0000", "p-0003", .. Enumerable.Range(0, 100).Select(i => $"p-{i:D4}")];

        var points = await index.GetManyAsync(space, alice, asked);

        var expected = asked.Where(id => id.StartsWith("p-", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Equal(expected, points.Select(p => p.Id));
        foreach (var point in points)
        {
            var stored = alicePoints.Single(p => p.Id == point.Id);
            Assert.Equal(stored.Payload.OrderBy(p => p.Key), point.Payload.OrderBy(p => p.Key));
            Assert.Equal(Unit(stored.Vector).Select(c => (double)c), point.Vector.Select(c => (double)c), new ToleranceComparer(1e-6));
        }

        Assert.Empty(await index.GetManyAsync(space, alice, []));
        Assert.Empty(await index.GetManyAsync(space, NewTenant(), ["p-0003"]));
        Assert.Single(await index.GetManyAsync(space, bob, ["p-0003", "bob-only-0000"]));
        var noTenant = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.GetManyAsync(space, "", ["p-0003"]));
        Assert.Equal("tenantId", noTenant.ParamName);
        var nullId = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.GetManyAsync(space, alice, ["p-0003", null!]));
        Assert.Equal("ids", nullId.ParamName);
    }

    [ContractFact]
    public async Task Recommend_with_average_vector_searches_by_the_average_and_leaves_out_the_examples()
    {
        var (index, space, tenant) = await ArrangeAsync();
        var points = Random(300, seed: 10);
        await index.UpsertAsync(space, tenant, points);
        string[] positive = ["p-0010", "p-0020"];
        string[] negative = ["p-0030"];
        float[] UnitOf(string id) => Unit(points.Single(p => p.Id == id).Vector);

        // Qdrant's average_vector: avg(positive) + (avg(positive) - avg(negative)), over the stored unit vectors.
        var query = Enumerable.Range(0, Dimension)
            .Select(i => 2 * (UnitOf(positive[0])[i] + UnitOf(positive[1])[i]) / 2 - UnitOf(negative[0])[i]).ToArray();
        var examples = positive.Concat(negative).ToHashSet();
        var expected = BruteForce(points, query, 10, p => p.Status() == "active" && !examples.Contains(p.Id));

        var hits = await index.RecommendAsync(space, new RecommendQuery(tenant, positive, negative, 10)
        {
            Filter = VectorFilter.All(Match("status", "active")),
            Strategy = RecommendStrategy.AverageVector,
        });

        Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id));
        Assert.Equal(expected.Select(e => e.Score), hits.Select(h => (double)h.Score), new ToleranceComparer(1e-4));

        var likeOne = await index.RecommendAsync(space, new RecommendQuery(tenant, ["p-0010"], [], 5));
        Assert.Equal(BruteForce(points, UnitOf("p-0010"), 5, p => p.Id != "p-0010").Select(e => e.Id), likeOne.Select(h => h.Id));
    }

    [ContractFact]
    public async Task Recommend_with_best_score_ranks_by_the_best_positive_unless_a_negative_is_closer()
    {
        var (index, space, tenant) = await ArrangeAsync();
        var points = Random(300, seed: 11);
        await index.UpsertAsync(space, tenant, points);
        string[] positive = ["p-0040", "p-0041"];
        string[] negative = ["p-0042"];
        var examples = positive.Concat(negative).ToHashSet();
        var unit = points.ToDictionary(p => p.Id, p => Unit(p.Vector));
        double Score(VectorPoint p)
        {
            var bestPositive = positive.Max(id => Cosine(unit[id], p.Vector));
            var bestNegative = negative.Max(id => Cosine(unit[id], p.Vector));
            return bestPositive > bestNegative ? bestPositive : -(bestNegative * bestNegative);
        }

        var expected = points.Where(p => !examples.Contains(p.Id)).Select(p => (p.Id, Score: Score(p))).OrderByDescending(h => h.Score).Take(10).ToList();
        Assert.All(expected, e => Assert.True(e.Score > 0)); // the top is decided by positives, where every Qdrant version agrees

        var hits = await index.RecommendAsync(space, new RecommendQuery(tenant, positive, negative, 10) { Strategy = RecommendStrategy.BestScore });

        Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id));
    }

    [ContractFact]
    public async Task Recommend_with_a_missing_example_is_a_clear_not_found()
    {
        var (index, space, tenant) = await ArrangeAsync();
        await index.UpsertAsync(space, tenant, Random(10, seed: 12));

        var positive = await Assert.ThrowsAsync<KeyNotFoundException>(() => index.RecommendAsync(space, new RecommendQuery(tenant, ["no-such-point"], [], 5)));
        var negative = await Assert.ThrowsAsync<KeyNotFoundException>(() => index.RecommendAsync(space, new RecommendQuery(tenant, ["p-0001"], ["gone-too"], 5)));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => index.RecommendAsync(space, new RecommendQuery(tenant, [], ["p-0001"], 5)));

        Assert.Contains("no-such-point", positive.Message);
        Assert.Contains("gone-too", negative.Message);
    }

    [ContractFact]
    public async Task Batches_at_every_boundary_are_written_completely()
    {
        var (index, space, _) = await ArrangeAsync();
        var size = UpsertBatchSize;
        foreach (var count in new[] { 1, size - 1, size, size + 1, 2 * size + 1 })
        {
            var tenant = NewTenant();
            var points = Random(count, seed: count);

            await index.UpsertAsync(space, tenant, points);

            Assert.Equal(count, await index.CountAsync(space, tenant));
            Assert.NotNull(await index.GetAsync(space, tenant, points[^1].Id));
            Assert.NotNull(await index.GetAsync(space, tenant, points[0].Id));
        }
    }

    [ContractFact]
    public async Task An_existing_space_of_another_dimension_is_refused_clearly()
    {
        var (index, space, _) = await ArrangeAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => index.EnsureSpaceAsync(Space(space.Name, dimension: 8)));

        Assert.Contains(space.Name, error.Message);
        Assert.Contains("16", error.Message);
        Assert.Contains("8", error.Message);
    }

    [ContractFact]
    public async Task Two_replicas_ensuring_the_space_at_once_both_succeed_and_share_it()
    {
        var first = await CreateIndexAsync();
        var second = await CreateReplicaAsync(first);
        var space = NewSpace();
        var tenant = NewTenant();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? first : second).EnsureSpaceAsync(space)));
        await first.UpsertAsync(space, tenant, Random(5, seed: 13));

        Assert.Equal(5, await second.CountAsync(space, tenant));
        Assert.Equal(await first.ServingVersionAsync(space), await second.ServingVersionAsync(space));
    }

    [ContractFact]
    public async Task A_committed_build_replaces_the_serving_version_in_one_step_and_a_discarded_one_changes_nothing()
    {
        var (index, space, tenant) = await ArrangeAsync();
        var before = await index.ServingVersionAsync(space);
        var old = Random(40, seed: 14);
        await index.UpsertAsync(space, tenant, old);

        await using (var discarded = await index.BeginBuildAsync(space, "v-failed"))
        {
            await discarded.UpsertAsync(tenant, Random(5, seed: 15, idPrefix: "new"));
            // Disposed without a commit: the re-index failed.
        }

        Assert.Equal(before, await index.ServingVersionAsync(space));
        Assert.Equal(40, await index.CountAsync(space, tenant));

        var rebuilt = Random(25, seed: 16, idPrefix: "new");
        await using (var build = await index.BeginBuildAsync(space, "v2"))
        {
            await build.UpsertAsync(tenant, rebuilt);
            Assert.Equal(40, await index.CountAsync(space, tenant)); // nobody reads a build before it is committed
            await build.CommitAsync();
        }

        Assert.Equal("v2", await index.ServingVersionAsync(space));
        Assert.Equal(25, await index.CountAsync(space, tenant));
        Assert.Null(await index.GetAsync(space, tenant, old[0].Id));
        var hits = await index.SearchAsync(space, new VectorQuery(tenant, rebuilt[3].Vector, 5));
        Assert.Equal(rebuilt[3].Id, hits[0].Id);
    }

    [ContractFact]
    public async Task A_reader_pinned_to_a_version_keeps_reading_it_after_the_switch()
    {
        var (index, space, tenant) = await ArrangeAsync();
        var old = Random(20, seed: 23);
        await index.UpsertAsync(space, tenant, old);
        var pinned = space.AtVersion((await index.ServingVersionAsync(space))!);
        await using (var build = await index.BeginBuildAsync(space, "v2"))
        {
            await build.UpsertAsync(tenant, Random(10, seed: 24, idPrefix: "new"));
            await build.CommitAsync();
        }

        // A request that started before the switch finishes on the version it started with (within the grace period).
        Assert.Equal(20, await index.CountAsync(pinned, tenant));
        Assert.NotNull(await index.GetAsync(pinned, tenant, old[0].Id));
        Assert.Equal(old[0].Id, (await index.SearchAsync(pinned, new VectorQuery(tenant, old[0].Vector, 3)))[0].Id);
        Assert.Equal(10, await index.CountAsync(space, tenant));
        Assert.Equal(10, await index.CountAsync(space.AtVersion("v2"), tenant));
        await Assert.ThrowsAsync<InvalidOperationException>(() => index.CountAsync(space.AtVersion("never-built"), tenant));
    }

    [ContractFact]
    public async Task Readers_during_an_alias_switch_see_one_version_or_the_other_never_a_mix()
    {
        var (index, space, tenant) = await ArrangeAsync();
        // The same ids in both versions; the versions differ in one payload flag, so a mixed answer shows at once.
        var v1 = Random(200, seed: 17).Select(p => p with { Payload = new Dictionary<string, PayloadValue>(p.Payload) { ["featured"] = PayloadValue.Bool(false) } }).ToList();
        var v2 = Random(200, seed: 18).Select(p => p with { Payload = new Dictionary<string, PayloadValue>(p.Payload) { ["featured"] = PayloadValue.Bool(true) } }).ToList();
        await index.UpsertAsync(space, tenant, v1);
        var build = await index.BeginBuildAsync(space, "v2");
        foreach (var chunk in v2.Chunk(50))
        {
            await build.UpsertAsync(tenant, chunk);
        }

        using var stop = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentBag<bool>();
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(async () =>
        {
            var random = new Random(r);
            while (!stop.IsCancellationRequested)
            {
                var hits = await index.SearchAsync(space, new VectorQuery(tenant, RandomVector(random), 20));
                Assert.Equal(20, hits.Count);
                var flags = hits.Select(h => h.Payload["featured"].BoolValue).Distinct().ToList();
                Assert.Single(flags);
                seen.Add(flags[0]);
            }
        })).ToList();

        await Task.Delay(100);
        await build.CommitAsync();
        await build.DisposeAsync();
        await Task.Delay(200);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Contains(false, seen);
        Assert.Contains(true, seen);
        var after = await index.SearchAsync(space, new VectorQuery(tenant, v2[0].Vector, 20));
        Assert.All(after, h => Assert.True(h.Payload["featured"].BoolValue));
    }

    [ContractTheory]
    [InlineData("wrong dimension")]
    [InlineData("NaN")]
    [InlineData("infinity")]
    [InlineData("zero")]
    public async Task Invalid_vectors_are_rejected_with_the_point_named_and_nothing_written(string defect)
    {
        var (index, space, tenant) = await ArrangeAsync();
        var points = Random(3, seed: 19);
        float[] bad = defect switch
        {
            "wrong dimension" => new float[Dimension - 1],
            "NaN" => [.. points[1].Vector.Select((c, i) => i == 5 ? float.NaN : c)],
            "infinity" => [.. points[1].Vector.Select((c, i) => i == 5 ? float.PositiveInfinity : c)],
            _ => new float[Dimension],
        };
        points[1] = points[1] with { Id = "the-bad-one", Vector = bad };

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.UpsertAsync(space, tenant, points));
        var query = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.SearchAsync(space, new VectorQuery(tenant, bad, 5)));

        Assert.Contains("the-bad-one", error.Message);
        Assert.Equal("points[1].vector", error.ParamName);
        Assert.Equal("vector", query.ParamName);
        Assert.Equal(0, await index.CountAsync(space, tenant));
    }

    [ContractFact]
    public async Task Points_with_an_invalid_or_undeclared_payload_are_rejected_with_the_field_named()
    {
        var (index, space, tenant) = await ArrangeAsync();
        var point = Random(1, seed: 20)[0];
        VectorPoint With(string field, PayloadValue value) => point with { Payload = new Dictionary<string, PayloadValue>(point.Payload) { [field] = value } };

        var price = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.UpsertAsync(space, tenant, [With("price", PayloadValue.Float(double.NaN))]));
        var position = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.UpsertAsync(space, tenant, [With("location", PayloadValue.Geo(91, 10))]));
        var undeclared = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.UpsertAsync(space, tenant, [With("colour", PayloadValue.Keyword("red"))]));
        var wrongType = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.UpsertAsync(space, tenant, [With("bedrooms", PayloadValue.Float(2.5))]));
        var noTenant = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.UpsertAsync(space, " ", [point]));

        Assert.Equal("points[0].payload.price", price.ParamName);
        Assert.Equal("points[0].payload.location", position.ParamName);
        Assert.Equal("points[0].payload.colour", undeclared.ParamName);
        Assert.Equal("points[0].payload.bedrooms", wrongType.ParamName);
        Assert.Equal("tenantId", noTenant.ParamName);
        Assert.Equal(0, await index.CountAsync(space, tenant));
    }

    [ContractFact]
    public async Task Bad_queries_are_rejected_with_the_field_named()
    {
        var (index, space, tenant) = await ArrangeAsync();
        await index.UpsertAsync(space, tenant, Random(5, seed: 21));
        var vector = RandomVector(new Random(22));
        Task Search(int limit, FilterCondition? filter = null) =>
            index.SearchAsync(space, new VectorQuery(tenant, vector, limit) { Filter = filter is null ? null : VectorFilter.All(filter) });

        var unknown = await Assert.ThrowsAnyAsync<ArgumentException>(() => Search(5, Match("colour", "red")));
        var negativeRadius = await Assert.ThrowsAnyAsync<ArgumentException>(() => Search(5, new GeoRadiusCondition("location", new GeoPoint(59.9, 10.7), -1)));
        var rangeOnKeyword = await Assert.ThrowsAnyAsync<ArgumentException>(() => Search(5, new RangeCondition("type", Gte: 1)));
        var nested = await Assert.ThrowsAnyAsync<ArgumentException>(() => Search(5, new VectorFilter { Should = [Match("nope", "x")] }));
        var zero = await Assert.ThrowsAnyAsync<ArgumentException>(() => Search(0));
        var tooMany = await Assert.ThrowsAnyAsync<ArgumentException>(() => Search(100_001));
        var noTenant = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.SearchAsync(space, new VectorQuery("", vector, 5)));
        var recommendLimit = await Assert.ThrowsAnyAsync<ArgumentException>(() => index.RecommendAsync(space, new RecommendQuery(tenant, ["p-0001"], [], 0)));

        Assert.Equal("filter.must[0].colour", unknown.ParamName);
        Assert.Contains("colour", unknown.Message);
        Assert.Equal("filter.must[0].location", negativeRadius.ParamName);
        Assert.Equal("filter.must[0].type", rangeOnKeyword.ParamName);
        Assert.Equal("filter.must[0].should[0].nope", nested.ParamName);
        Assert.Equal("limit", zero.ParamName);
        Assert.Equal("limit", tooMany.ParamName);
        Assert.Equal("tenantId", noTenant.ParamName);
        Assert.Equal("limit", recommendLimit.ParamName);
    }

    protected async Task<(IVectorIndex Index, VectorSpace Space, string Tenant)> ArrangeAsync()
    {
        var index = await CreateIndexAsync();
        var space = NewSpace();
        await index.EnsureSpaceAsync(space);
        return (index, space, NewTenant());
    }
}
