using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Qdrant;
using Platform.Testing.Qdrant;
using static Platform.VectorSearch.Tests.TestPoints;

namespace Platform.VectorSearch.Tests;

/// <summary>What only the Qdrant adapter has: the channel, retries, deadlines, indexes, aliases on the wire, the health check.</summary>
public sealed class QdrantAdapterTests(FakeQdrantFixture fixture) : IClassFixture<FakeQdrantFixture>, IDisposable
{
    private readonly List<QdrantChannel> _channels = [];

    private FakeQdrantServer Server => fixture.Server;

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    private QdrantVectorIndex Open(Action<QdrantOptions>? configure = null)
    {
        var options = new QdrantOptions
        {
            Url = Server.Url,
            ApiKey = FakeQdrantFixture.ApiKey,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            OldVersionGracePeriod = TimeSpan.Zero,
        };
        configure?.Invoke(options);
        var channel = new QdrantChannel(options);
        _channels.Add(channel);
        return new QdrantVectorIndex(channel.Client, options);
    }

    [Fact]
    public async Task Every_call_carries_the_api_key_and_a_deadline()
    {
        var index = Open();
        var space = NewSpace();
        var tenant = NewTenant();
        var before = Server.Behaviour.Calls.Count;

        await index.UpsertAsync(space, tenant, Random(40, seed: 1));
        await index.SearchAsync(space, new VectorQuery(tenant, RandomVector(new Random(2)), 5));
        await index.RecommendAsync(space, new RecommendQuery(tenant, ["p-0001"], ["p-0002"], 5));
        await index.CountAsync(space, tenant);
        await index.GetAsync(space, tenant, "p-0003");
        await index.DeleteAsync(space, tenant, ["p-0004"]);

        var calls = Server.Behaviour.Calls.Skip(before).ToList();
        Assert.True(calls.Count >= 8);
        Assert.All(calls, c => Assert.True(c.HadDeadline, $"{c.Method} had no deadline"));
    }

    [Fact]
    public async Task A_wrong_api_key_is_refused_clearly()
    {
        var index = Open(o => o.ApiKey = "wrong");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => index.EnsureSpaceAsync(NewSpace()));

        Assert.Contains("ApiKey", error.Message);
    }

    [Fact]
    public async Task A_transient_failure_of_an_idempotent_call_is_retried()
    {
        var index = Open();
        var (space, tenant) = (NewSpace(), NewTenant());
        await index.UpsertAsync(space, tenant, Random(20, seed: 3));
        var queries = Server.Behaviour.CallsOf("Query");

        Server.Behaviour.FailNext("Query", StatusCode.Unavailable, times: 2);
        var hits = await index.SearchAsync(space, new VectorQuery(tenant, RandomVector(new Random(4)), 5));

        Assert.Equal(5, hits.Count);
        Assert.Equal(queries + 3, Server.Behaviour.CallsOf("Query"));

        Server.Behaviour.FailNext("Upsert", StatusCode.DeadlineExceeded);
        await index.UpsertAsync(space, tenant, Random(30, seed: 3));
        Assert.Equal(30, await index.CountAsync(space, tenant));
    }

    [Fact]
    public async Task Persistent_unavailability_ends_in_a_clear_error_after_the_retries()
    {
        var index = Open(o => o.MaxRetries = 2);
        var (space, tenant) = (NewSpace(), NewTenant());
        await index.EnsureSpaceAsync(space);
        var counts = Server.Behaviour.CallsOf("Count");

        Server.Behaviour.FailNext("Count", StatusCode.Unavailable, times: 3);
        var error = await Assert.ThrowsAsync<VectorIndexUnavailableException>(() => index.CountAsync(space, tenant));

        Assert.Contains(Server.Url, error.Message);
        Assert.Equal(counts + 3, Server.Behaviour.CallsOf("Count"));
    }

    [Fact]
    public async Task A_call_past_its_deadline_fails_with_a_clear_timeout()
    {
        var index = Open(o =>
        {
            o.Timeout = TimeSpan.FromMilliseconds(150);
            o.MaxRetries = 1;
        });
        var (space, tenant) = (NewSpace(), NewTenant());
        await index.UpsertAsync(space, tenant, Random(5, seed: 5));

        Server.Behaviour.Delay("Query", TimeSpan.FromSeconds(2));
        try
        {
            var error = await Assert.ThrowsAsync<TimeoutException>(() => index.SearchAsync(space, new VectorQuery(tenant, RandomVector(new Random(6)), 5)));
            Assert.Contains("150 ms", error.Message);
            Assert.Contains("VectorIndex:Qdrant:Timeout", error.Message);
        }
        finally
        {
            Server.Behaviour.Delay("Query", TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task The_collection_gets_the_hnsw_settings_and_every_payload_index_before_any_point_with_the_tenant_index_marked_is_tenant()
    {
        var index = Open(o => o.Hnsw = new QdrantHnswOptions { M = 24, EfConstruct = 200, PayloadM = 12, FullScanThresholdKb = 5_000 });
        var space = NewSpace();

        await index.UpsertAsync(space, NewTenant(), Random(10, seed: 7));

        var collection = Server.Store.Collection(space.CollectionFor(QdrantVectorIndex.InitialVersion))!;
        Assert.Equal(space.CollectionFor(QdrantVectorIndex.InitialVersion), Server.Store.Aliases[space.Name]);
        Assert.Equal((24ul, 200ul, 12ul, 5_000ul), (collection.Hnsw!.M, collection.Hnsw.EfConstruct, collection.Hnsw.PayloadM, collection.Hnsw.FullScanThreshold));
        Assert.Equal(
            ["bedrooms", "location", "price", "status", VectorSpace.TenantField, "type"],
            collection.Indexes.Keys.Order(StringComparer.Ordinal));
        Assert.All(collection.Indexes.Values, i => Assert.Equal(0, i.PointsAtCreation));
        Assert.True(collection.Indexes[VectorSpace.TenantField].Params!.KeywordIndexParams.IsTenant);
        Assert.Equal(global::Qdrant.Client.Grpc.PayloadSchemaType.Geo, collection.Indexes["location"].Type);
        Assert.DoesNotContain("featured", collection.Indexes.Keys); // declared without an index
        Assert.Equal(10, collection.PointCount);
    }

    [Fact]
    public async Task Upserts_are_sent_in_bounded_concurrent_batches()
    {
        var index = Open(o =>
        {
            o.UpsertBatchSize = 10;
            o.UpsertConcurrency = 3;
        });
        var (space, tenant) = (NewSpace(), NewTenant());
        await index.EnsureSpaceAsync(space);
        var upserts = Server.Behaviour.CallsOf("Upsert");

        await index.UpsertAsync(space, tenant, Random(95, seed: 8));

        Assert.Equal(upserts + 10, Server.Behaviour.CallsOf("Upsert"));
        Assert.Equal(95, await index.CountAsync(space, tenant));
    }

    [Fact]
    public async Task Point_ids_are_derived_from_tenant_and_id_and_the_original_id_travels_in_the_payload()
    {
        var index = Open();
        var space = NewSpace();
        await index.UpsertAsync(space, "alice", Random(1, seed: 9));
        await index.UpsertAsync(space, "bob", Random(1, seed: 10));

        var collection = Server.Store.Collection(space.CollectionFor(QdrantVectorIndex.InitialVersion))!;
        Assert.Equal(2, collection.PointCount);
        Assert.NotEqual(QdrantPointIds.For("alice", "p-0000"), QdrantPointIds.For("bob", "p-0000"));
        Assert.Equal(QdrantPointIds.For("alice", "p-0000"), QdrantPointIds.For("alice", "p-0000"));
        Assert.Equal("p-0000", (await index.GetAsync(space, "bob", "p-0000"))!.Id);
    }

    [Fact]
    public async Task A_committed_build_moves_the_alias_atomically_and_drops_the_old_collection()
    {
        var index = Open();
        var (space, tenant) = (NewSpace(), NewTenant());
        await index.UpsertAsync(space, tenant, Random(10, seed: 11));
        var initial = space.CollectionFor(QdrantVectorIndex.InitialVersion);

        await using (var build = await index.BeginBuildAsync(space, "twin-v2"))
        {
            await build.UpsertAsync(tenant, Random(4, seed: 12));
            Assert.Equal(initial, Server.Store.Aliases[space.Name]);
            await build.CommitAsync();
        }

        Assert.Equal(space.CollectionFor("twin-v2"), Server.Store.Aliases[space.Name]);
        Assert.Equal("twin-v2", await index.ServingVersionAsync(space));
        await WaitUntilAsync(() => !Server.Store.CollectionNames.Contains(initial));

        await using (var failed = await index.BeginBuildAsync(space, "twin-v3"))
        {
            await failed.UpsertAsync(tenant, Random(2, seed: 13));
        }

        Assert.Equal(space.CollectionFor("twin-v2"), Server.Store.Aliases[space.Name]);
        Assert.DoesNotContain(space.CollectionFor("twin-v3"), Server.Store.CollectionNames);
        Assert.Equal(4, await index.CountAsync(space, tenant));
    }

    [Fact]
    public async Task Recommend_goes_through_the_query_api()
    {
        var index = Open();
        var (space, tenant) = (NewSpace(), NewTenant());
        await index.UpsertAsync(space, tenant, Random(20, seed: 14));
        var queries = Server.Behaviour.CallsOf("Query");

        await index.RecommendAsync(space, new RecommendQuery(tenant, ["p-0001"], [], 3) { Strategy = RecommendStrategy.BestScore });

        Assert.Equal(queries + 1, Server.Behaviour.CallsOf("Query"));
    }

    [Fact]
    public async Task The_health_check_reports_qdrant_and_ready_fails_when_it_is_down()
    {
        var options = new QdrantOptions { Url = Server.Url, ApiKey = FakeQdrantFixture.ApiKey };
        using var channel = new QdrantChannel(options);
        var healthy = await new QdrantHealthCheck(channel, options).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Contains("1.15.0-fake", healthy.Description);

        var down = new QdrantOptions { Url = "http://127.0.0.1:9", Timeout = TimeSpan.FromSeconds(1) };
        using var nowhere = new QdrantChannel(down);
        var unhealthy = await new QdrantHealthCheck(nowhere, down).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
    }

    [Fact]
    public async Task Provider_qdrant_registers_the_adapter_and_a_ready_health_check()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VectorIndex:Provider"] = "qdrant",
            ["VectorIndex:Qdrant:Url"] = Server.Url,
            ["VectorIndex:Qdrant:ApiKey"] = FakeQdrantFixture.ApiKey,
            ["VectorIndex:Qdrant:Hnsw:HnswEf"] = "64",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddVectorIndex(configuration);
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.IsType<QdrantVectorIndex>(provider.GetRequiredService<IVectorIndex>());
        Assert.Equal(64, provider.GetRequiredService<IOptions<QdrantOptions>>().Value.Hnsw.HnswEf);
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains("ready"));
        Assert.Equal(HealthStatus.Healthy, report.Entries["qdrant"].Status);
    }

    [Theory]
    [InlineData("VectorIndex:Qdrant:Url", "localhost:6334")]
    [InlineData("VectorIndex:Qdrant:Timeout", "00:00:00")]
    [InlineData("VectorIndex:Qdrant:UpsertConcurrency", "0")]
    [InlineData("VectorIndex:Qdrant:Hnsw:EfConstruct", "1")]
    public async Task Bad_qdrant_settings_fail_at_start_naming_the_setting(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VectorIndex:Provider"] = "qdrant",
            ["VectorIndex:Qdrant:Url"] = "http://localhost:6334",
            [key] = value,
        }).Build();
        await using var provider = new ServiceCollection().AddVectorIndex(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(key.Split(':')[..3].Aggregate((a, b) => a + ":" + b), error.Message);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not become true within 10 s.");
            await Task.Delay(10);
        }
    }
}
