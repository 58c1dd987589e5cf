using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.VectorSearch;
using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.PortfolioTwin.Api.Tests;

[Collection(TwinApiCollection.Name)]
public sealed class ServiceTests(TwinApiFixture fixture)
{
    [Fact]
    public async Task Health_ready_and_metrics_follow_the_service_conventions()
    {
        using var client = fixture.Factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready")).StatusCode);
        using (var tenant = fixture.Client(TwinApiFixture.Alpha))
        {
            await (await tenant.PostJsonAsync("/recommend", new { user_id = fixture.CityUser })).ReadAsync<RecommendResponse>();
        }

        var metrics = await client.GetStringAsync("/metrics/prometheus");
        Assert.Contains("platform_twin_model_version", metrics);
        Assert.Contains("platform_twin_recommendations", metrics);
    }

    [Fact]
    public async Task Property_events_keep_the_index_in_step()
    {
        var publisher = fixture.Factory.Services.GetRequiredService<IEventPublisher>();
        var index = fixture.Factory.Services.GetRequiredService<IVectorIndex>();
        var space = fixture.Factory.Services.GetRequiredService<Platform.PortfolioTwin.Api.Indexing.PropertyIndexer>().Space;
        var listing = new Dictionary<string, object>
        {
            ["property_type"] = "hytte",
            ["latitude"] = 61.2,
            ["longitude"] = 9.5,
            ["usable_area"] = 80,
            ["bedrooms"] = 3,
            ["bathrooms"] = 1,
            ["year_built"] = 2005,
            ["listing_price"] = 2_500_000,
        };

        await publisher.PublishAsync(Topics.Properties, new { tenant_id = TwinApiFixture.Beta, property_id = "beta-new-cabin", change = "created", property = listing });
        await fixture.WaitForEventsAsync();
        var created = await index.GetAsync(space, TwinApiFixture.Beta, "beta-new-cabin");
        Assert.NotNull(created);
        Assert.Equal("hytte", created.Payload["type"].KeywordValue);
        Assert.Equal(2_500_000, created.Payload["price"].FloatValue);

        await publisher.PublishAsync(Topics.Properties, new { tenant_id = TwinApiFixture.Beta, property_id = "beta-new-cabin", change = "removed" });
        await fixture.WaitForEventsAsync();
        Assert.Null(await index.GetAsync(space, TwinApiFixture.Beta, "beta-new-cabin"));
        Assert.Null(await index.GetAsync(space, TwinApiFixture.Alpha, "beta-new-cabin"));
    }

    [Fact]
    public async Task Rebuilding_the_index_needs_a_tenant_key_with_twin_write_and_reindexes_the_tenant()
    {
        using var anonymous = fixture.Factory.CreateClient();
        await (await anonymous.PostAsync("/index/rebuild", null)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        var keys = fixture.Factory.Services.GetRequiredService<ApiKeyStore>();

        // The admin key has no tenant; a reader's key lacks the scope.
        using var admin = fixture.Factory.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", TwinApiFactory.ApiKey);
        await (await admin.PostAsync("/index/rebuild", null)).AssertProblemAsync(HttpStatusCode.Forbidden);
        using var reader = fixture.Factory.CreateClient();
        reader.DefaultRequestHeaders.Add("X-Api-Key", (await keys.CreateAsync(TwinApiFixture.Beta, [PlatformScopes.TwinRead], null)).Key);
        await (await reader.PostAsync("/index/rebuild", null)).AssertProblemAsync(HttpStatusCode.Forbidden, "scope");

        using var client = fixture.Factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", (await keys.CreateAsync(TwinApiFixture.Beta, [PlatformScopes.TwinWrite], null)).Key);
        var rebuilt = await (await client.PostAsync("/index/rebuild", null)).ReadAsync<Dictionary<string, System.Text.Json.JsonElement>>();

        Assert.Equal(fixture.BetaMarket.Properties.Count, rebuilt["indexed"].GetInt32());
    }
}
