using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Embedded;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Indexing;
using Platform.Testing.Qdrant;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>
/// Model deploys against an index that must never serve half-filled or mixed: each test runs its own host under its own model
/// name and vector space (the shared fixture's champion stays untouched), deploying the fixture's trained model file.
/// </summary>
[Collection(TwinApiCollection.Name)]
public sealed class IndexDeploymentTests(TwinApiFixture fixture)
{
    [Fact]
    public async Task A_new_champion_is_indexed_aside_and_served_only_once_its_index_is_complete()
    {
        await using var factory = Host("twin-deploy", out var modelName);
        var indexer = factory.Services.GetRequiredService<PropertyIndexer>();
        await DeployAsync(factory, modelName);
        Assert.Equal($"{modelName}-v1", indexer.ServingVersion(TwinApiFixture.Alpha));
        var first = await RecommendAsync(factory);
        Assert.Equal(1, first.ModelVersion);

        await DeployAsync(factory, modelName);

        Assert.Equal($"{modelName}-v2", indexer.ServingVersion(TwinApiFixture.Alpha));
        Assert.Equal($"{modelName}-v2", await factory.Services.GetRequiredService<IVectorIndex>().ServingVersionAsync(indexer.SpaceFor(TwinApiFixture.Alpha)));
        var second = await RecommendAsync(factory);
        Assert.Equal(2, second.ModelVersion);
        // The same model file under a new version: the same answers, from the new index.
        Assert.Equal(first.Results.Select(r => r.PropertyId), second.Results.Select(r => r.PropertyId));
        Assert.Equal(fixture.AlphaMarket.Properties.Count, await factory.Services.GetRequiredService<IVectorIndex>().CountAsync(indexer.SpaceFor(TwinApiFixture.Alpha), TwinApiFixture.Alpha));
    }

    [Fact]
    public async Task A_failed_rebuild_leaves_the_old_index_and_its_model_serving()
    {
        var failing = new FailingBuilds();
        await using var factory = Host("twin-fail", out var modelName, services => services.AddSingleton<IVectorIndex>(sp =>
            failing.Wrap(sp.GetRequiredService<EmbeddedVectorIndex>())));
        var indexer = factory.Services.GetRequiredService<PropertyIndexer>();
        await DeployAsync(factory, modelName);
        var before = await RecommendAsync(factory);

        failing.Armed = true;
        await Assert.ThrowsAsync<IOException>(() => DeployAsync(factory, modelName));

        Assert.Equal($"{modelName}-v1", indexer.ServingVersion(TwinApiFixture.Alpha));
        var during = await RecommendAsync(factory);
        // The champion is v2 now, but its index never completed: v1 answers, with v1's user vectors.
        Assert.Equal(1, during.ModelVersion);
        Assert.Equal(before.Results.Select(r => r.PropertyId), during.Results.Select(r => r.PropertyId));

        failing.Armed = false;
        await factory.Services.GetRequiredService<IndexMaintenance>().EnsureIndexedAsync(CancellationToken.None);
        Assert.Equal($"{modelName}-v2", indexer.ServingVersion(TwinApiFixture.Alpha));
        Assert.Equal(2, (await RecommendAsync(factory)).ModelVersion);
    }

    [Fact]
    public async Task On_qdrant_the_twin_serves_the_same_answers_and_ready_reports_qdrant()
    {
        var server = await FakeQdrantServer.StartAsync(apiKey: "twin-test-key");
        await using var factory = Host("twin-qdrant", out var modelName, settings: new Dictionary<string, string>
        {
            ["VectorIndex:Provider"] = "qdrant",
            ["VectorIndex:Qdrant:Url"] = server.Url,
            ["VectorIndex:Qdrant:ApiKey"] = "twin-test-key",
            ["VectorIndex:Qdrant:OldVersionGracePeriod"] = "00:00:00",
        });
        await using var embedded = Host("twin-embedded", out var embeddedModel);
        await DeployAsync(factory, modelName);
        await DeployAsync(embedded, embeddedModel);
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready")).StatusCode);

        var onQdrant = await RecommendAsync(factory);
        var onEmbedded = await RecommendAsync(embedded);

        Assert.Equal(onEmbedded.Results.Select(r => r.PropertyId), onQdrant.Results.Select(r => r.PropertyId));
        Assert.Equal(onEmbedded.Results.Select(r => r.Score), onQdrant.Results.Select(r => r.Score), new Tolerance(1e-4));
        Assert.Equal(onEmbedded.Results.Select(r => (r.PropertyType, r.Price, r.Bedrooms, r.Status)), onQdrant.Results.Select(r => (r.PropertyType, r.Price, r.Bedrooms, r.Status)));

        await server.DisposeAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/ready")).StatusCode);
        using var tenant = factory.CreateTenantClient(TwinApiFixture.Alpha);
        var down = await tenant.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, top_k = 10, filters = new { status = "any" } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Contains("application/problem+json", down.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Input_the_index_refuses_is_a_problem_naming_the_request_field_and_nothing_is_written()
    {
        // The twin allows top_k up to 100 here, the index only 20: the index's refusal reaches the client as a 422 on top_k.
        await using var factory = Host("twin-limit", out var modelName, settings: new Dictionary<string, string>
        {
            ["PortfolioTwin:MaxTopK"] = "100",
            ["VectorIndex:Embedded:MaxLimit"] = "20",
        });
        await DeployAsync(factory, modelName);
        using var client = factory.CreateTenantClient(TwinApiFixture.Alpha);

        var response = await client.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, top_k = 50 });

        var problem = await response.AssertProblemAsync((HttpStatusCode)422);
        Assert.Contains("top_k", problem.ToString());
        Assert.Contains("[1, 20]", problem.ToString());
    }

    private TwinApiFactory Host(string prefix, out string modelName, Action<IServiceCollection>? services = null, Dictionary<string, string>? settings = null)
    {
        modelName = prefix + "-" + Guid.NewGuid().ToString("N")[..6];
        var all = new Dictionary<string, string>(settings ?? [])
        {
            ["PortfolioTwin:ModelName"] = modelName,
            ["PortfolioTwin:IndexSpace"] = "props-" + modelName,
            // The tests drive each deploy's re-index themselves; the background check runs at start, then only hourly.
            ["PortfolioTwin:ReindexOnModelChange"] = "true",
            ["PortfolioTwin:CacheTtl"] = "01:00:00",
        };
        return new TwinApiFactory(fixture.Database.ConnectionString, services, all);
    }

    /// <summary>Registers the fixture's trained model as the next version of <paramref name="modelName"/>, makes it champion, reindexes.</summary>
    private async Task DeployAsync(TwinApiFactory factory, string modelName)
    {
        var source = fixture.Factory.Services.GetRequiredService<ModelRegistry>();
        var bytes = await source.ReadModelFileAsync(fixture.Champion);
        var registry = factory.Services.GetRequiredService<ModelRegistry>();
        using var file = new MemoryStream(bytes);
        var version = await registry.RegisterAsync(TwinApiFixture.Alpha, modelName, file, new Dictionary<string, double>(), new ModelLineage("test-market", new Dictionary<string, string>(), "test"));
        await registry.SetAliasAsync(TwinApiFixture.Alpha, modelName, ModelRegistry.Champion, version.Version);
        await factory.Services.GetRequiredService<IndexMaintenance>().EnsureIndexedAsync(CancellationToken.None);
    }

    private async Task<RecommendResponse> RecommendAsync(TwinApiFactory factory)
    {
        using var client = factory.CreateTenantClient(TwinApiFixture.Alpha);
        return await (await client.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, top_k = 10 })).ReadAsync<RecommendResponse>();
    }

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }

    /// <summary>Fails a rebuild's writes while armed (a disk or network failure mid re-index); everything else passes through.</summary>
    private sealed class FailingBuilds
    {
        public volatile bool Armed;

        public IVectorIndex Wrap(IVectorIndex inner) => new Index(inner, this);

        private sealed class Index(IVectorIndex inner, FailingBuilds owner) : IVectorIndex
        {
            public Task EnsureSpaceAsync(VectorSpace space, CancellationToken cancellationToken = default) => inner.EnsureSpaceAsync(space, cancellationToken);

            public Task<string?> ServingVersionAsync(VectorSpace space, CancellationToken cancellationToken = default) => inner.ServingVersionAsync(space, cancellationToken);

            public Task UpsertAsync(VectorSpace space, string tenantId, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default) =>
                inner.UpsertAsync(space, tenantId, points, cancellationToken);

            public Task DeleteAsync(VectorSpace space, string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default) =>
                inner.DeleteAsync(space, tenantId, ids, cancellationToken);

            public Task<VectorPoint?> GetAsync(VectorSpace space, string tenantId, string id, CancellationToken cancellationToken = default) =>
                inner.GetAsync(space, tenantId, id, cancellationToken);

            public Task<IReadOnlyList<VectorPoint>> GetManyAsync(VectorSpace space, string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default) =>
                inner.GetManyAsync(space, tenantId, ids, cancellationToken);

            public Task<long> CountAsync(VectorSpace space, string tenantId, CancellationToken cancellationToken = default) => inner.CountAsync(space, tenantId, cancellationToken);

            public Task<IReadOnlyList<VectorHit>> SearchAsync(VectorSpace space, VectorQuery query, CancellationToken cancellationToken = default) =>
                inner.SearchAsync(space, query, cancellationToken);

            public Task<IReadOnlyList<VectorHit>> RecommendAsync(VectorSpace space, RecommendQuery query, CancellationToken cancellationToken = default) =>
                inner.RecommendAsync(space, query, cancellationToken);

            public async Task<IVectorSpaceBuild> BeginBuildAsync(VectorSpace space, string version, CancellationToken cancellationToken = default) =>
                new Build(await inner.BeginBuildAsync(space, version, cancellationToken), owner);
        }

        private sealed class Build(IVectorSpaceBuild inner, FailingBuilds owner) : IVectorSpaceBuild
        {
            public string Version => inner.Version;

            public Task UpsertAsync(string tenantId, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default) =>
                owner.Armed ? throw new IOException("injected: the disk is full") : inner.UpsertAsync(tenantId, points, cancellationToken);

            public Task CommitAsync(CancellationToken cancellationToken = default) => inner.CommitAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
