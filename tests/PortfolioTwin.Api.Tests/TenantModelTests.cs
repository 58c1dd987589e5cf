using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.VectorSearch;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Indexing;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>Every tenant is served its own twin champion, indexed in its own space; a deploy for one leaves the others alone.</summary>
[Collection(TwinApiCollection.Name)]
public sealed class TenantModelTests(TwinApiFixture fixture)
{
    [Fact]
    public async Task Each_tenant_is_answered_by_its_own_champion()
    {
        using var alpha = fixture.Client(TwinApiFixture.Alpha);
        using var beta = fixture.Client(TwinApiFixture.Beta);

        var fromAlpha = await (await alpha.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, top_k = 5 })).ReadAsync<RecommendResponse>();
        var fromBeta = await (await beta.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, top_k = 5 })).ReadAsync<RecommendResponse>();

        Assert.Equal(fixture.Champion.Version, fromAlpha.ModelVersion);
        Assert.Equal(fixture.BetaChampion.Version, fromBeta.ModelVersion);
        Assert.NotEqual(fromAlpha.ModelVersion, fromBeta.ModelVersion);
        var indexer = fixture.Factory.Services.GetRequiredService<PropertyIndexer>();
        Assert.NotEqual(indexer.SpaceFor(TwinApiFixture.Alpha).Name, indexer.SpaceFor(TwinApiFixture.Beta).Name);
        Assert.Equal($"twin-v{fixture.BetaChampion.Version}", indexer.ServingVersion(TwinApiFixture.Beta));
    }

    [Fact]
    public async Task Deploying_for_one_tenant_reindexes_only_that_tenant_and_a_tenant_without_a_model_gets_503()
    {
        var modelName = "twin-tenants-" + Guid.NewGuid().ToString("N")[..6];
        await using var factory = new TwinApiFactory(fixture.Database.ConnectionString, settings: new Dictionary<string, string>
        {
            ["PortfolioTwin:ModelName"] = modelName,
            ["PortfolioTwin:IndexSpace"] = "props-" + modelName,
            ["PortfolioTwin:CacheTtl"] = "01:00:00",
        });
        var indexer = factory.Services.GetRequiredService<PropertyIndexer>();
        await DeployAsync(factory, TwinApiFixture.Alpha, modelName);
        await DeployAsync(factory, TwinApiFixture.Beta, modelName);
        var betaModel = indexer.ServingModel(TwinApiFixture.Beta);
        Assert.Equal($"{modelName}-v1", indexer.ServingVersion(TwinApiFixture.Beta));

        await DeployAsync(factory, TwinApiFixture.Alpha, modelName);

        Assert.Equal($"{modelName}-v2", indexer.ServingVersion(TwinApiFixture.Alpha));
        Assert.Equal($"{modelName}-v1", indexer.ServingVersion(TwinApiFixture.Beta));
        Assert.Same(betaModel, indexer.ServingModel(TwinApiFixture.Beta));
        var index = factory.Services.GetRequiredService<IVectorIndex>();
        Assert.Equal($"{modelName}-v1", await index.ServingVersionAsync(indexer.SpaceFor(TwinApiFixture.Beta)));
        Assert.Equal(fixture.BetaMarket.Properties.Count, await index.CountAsync(indexer.SpaceFor(TwinApiFixture.Beta), TwinApiFixture.Beta));
        Assert.Equal(0, await index.CountAsync(indexer.SpaceFor(TwinApiFixture.Alpha), TwinApiFixture.Beta));
        Assert.Equal(2, (await RecommendAsync(factory, TwinApiFixture.Alpha)).ModelVersion);
        Assert.Equal(1, (await RecommendAsync(factory, TwinApiFixture.Beta)).ModelVersion);

        // A tenant with data but no model of its own is never answered with another tenant's.
        using var gamma = factory.CreateTenantClient("gamma");
        var refused = await gamma.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, top_k = 5 });
        await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(10), refused.Headers.RetryAfter?.Delta);
    }

    private async Task DeployAsync(TwinApiFactory factory, string tenantId, string modelName)
    {
        var bytes = await fixture.Factory.Services.GetRequiredService<ModelRegistry>().ReadModelFileAsync(fixture.Champion);
        var registry = factory.Services.GetRequiredService<ModelRegistry>();
        var version = await registry.RegisterAsync(tenantId, modelName, new MemoryStream(bytes), new Dictionary<string, double>(),
            new ModelLineage("test-market", new Dictionary<string, string>(), "test"));
        await registry.SetAliasAsync(tenantId, modelName, ModelRegistry.Champion, version.Version);
        await factory.Services.GetRequiredService<IndexMaintenance>().EnsureIndexedAsync(tenantId, CancellationToken.None);
    }

    private async Task<RecommendResponse> RecommendAsync(TwinApiFactory factory, string tenantId)
    {
        using var client = factory.CreateTenantClient(tenantId);
        return await (await client.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, top_k = 5, filters = new { status = "any" } })).ReadAsync<RecommendResponse>();
    }
}
