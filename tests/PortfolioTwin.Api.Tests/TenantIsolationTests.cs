using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Auth;
using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.PortfolioTwin.Api.Tests;

[Collection(TwinApiCollection.Name)]
public sealed class TenantIsolationTests(TwinApiFixture fixture)
{
    [Fact]
    public async Task A_user_of_one_tenant_never_sees_another_tenants_properties()
    {
        foreach (var (tenant, prefix) in new[] { (TwinApiFixture.Alpha, "alpha-"), (TwinApiFixture.Beta, "beta-") })
        {
            using var client = fixture.Client(tenant);
            var recommended = await (await client.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, top_k = 100, filters = new { status = "any" } }))
                .ReadAsync<RecommendResponse>();
            var similar = await (await client.PostJsonAsync("/similar", new { property_features = PredictionTests.Flat, top_k = 100, filters = new { status = "any" } }))
                .ReadAsync<SimilarResponse>();

            Assert.NotEmpty(recommended.Results);
            Assert.All(recommended.Results.Concat(similar.Results), r => Assert.StartsWith(prefix, r.PropertyId));
        }
    }

    [Fact]
    public async Task The_same_user_id_in_another_tenant_is_another_user()
    {
        using var beta = fixture.Client(TwinApiFixture.Beta);

        // The champion was trained on alpha only: beta's u00 must not get alpha's u00 embedding.
        var response = await (await beta.PostJsonAsync("/predict", new { user_id = fixture.CityUser, property_features = PredictionTests.Flat })).ReadAsync<PredictResponse>();

        Assert.Equal("folded_in", response.UserSource);
    }

    [Fact]
    public async Task Another_tenants_property_ids_are_unknown()
    {
        using var beta = fixture.Client(TwinApiFixture.Beta);
        var alphaProperty = fixture.AlphaMarket.Properties[0].PropertyId;

        await (await beta.PostJsonAsync("/similar", new { property_id = alphaProperty })).AssertProblemAsync(HttpStatusCode.NotFound, "property_id");
        await (await beta.GetAsync($"/recommend/{fixture.CityUser}/explain/{alphaProperty}")).AssertProblemAsync(HttpStatusCode.NotFound, "property_id");
        var candidates = await (await beta.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, candidate_property_ids = new[] { alphaProperty }, filters = new { status = "any" } }))
            .ReadAsync<RecommendResponse>();
        Assert.Empty(candidates.Results);
    }

    [Fact]
    public async Task A_tenant_key_reads_and_writes_only_its_tenant_whatever_tenant_header_it_sends()
    {
        var keys = fixture.Factory.Services.GetRequiredService<ApiKeyStore>();
        var betaKey = (await keys.CreateAsync(TwinApiFixture.Beta, [PlatformScopes.TwinRead, PlatformScopes.TwinWrite], null)).Key;
        var alphaProperty = fixture.AlphaMarket.Properties[0].PropertyId;

        using var beta = fixture.Factory.CreateClient();
        beta.DefaultRequestHeaders.Add("X-Api-Key", betaKey);
        var own = await (await beta.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, top_k = 100, filters = new { status = "any" } }))
            .ReadAsync<RecommendResponse>();
        Assert.NotEmpty(own.Results);
        Assert.All(own.Results, r => Assert.StartsWith("beta-", r.PropertyId));
        await (await beta.PostJsonAsync("/similar", new { property_id = alphaProperty })).AssertProblemAsync(HttpStatusCode.NotFound, "property_id");

        // Naming the other tenant in the header is refused, reads and writes alike; nothing reaches alpha.
        using var posing = fixture.Factory.CreateClient();
        posing.DefaultRequestHeaders.Add("X-Api-Key", betaKey);
        posing.DefaultRequestHeaders.Add("X-Tenant-Id", TwinApiFixture.Alpha);
        await (await posing.PostJsonAsync("/recommend", new { user_id = fixture.CityUser })).AssertProblemAsync(HttpStatusCode.Forbidden, "X-Tenant-Id");
        await (await posing.GetAsync($"/recommend/{fixture.CityUser}/explain/{alphaProperty}")).AssertProblemAsync(HttpStatusCode.Forbidden, "X-Tenant-Id");
        await (await posing.GetAsync("/users")).AssertProblemAsync(HttpStatusCode.Forbidden, "X-Tenant-Id");
        var write = new { interactions = new[] { new { event_id = "posing-1", user_id = fixture.CityUser, property_id = alphaProperty, kind = "like" } } };
        await (await posing.PostJsonAsync("/interactions", write)).AssertProblemAsync(HttpStatusCode.Forbidden, "X-Tenant-Id");

        // The same write without the header acts for beta, where the alpha property does not exist: alpha is untouched either way.
        using var alpha = fixture.Client(TwinApiFixture.Alpha);
        var before = await (await alpha.GetAsync($"/recommend/{fixture.CityUser}/explain/{alphaProperty}")).Content.ReadAsStringAsync();
        using var written = await beta.PostJsonAsync("/interactions", write);
        await fixture.WaitForEventsAsync();
        Assert.Equal(before, await (await alpha.GetAsync($"/recommend/{fixture.CityUser}/explain/{alphaProperty}")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_request_without_a_valid_tenant_is_refused_naming_the_header()
    {
        // No credential at all (not even the development-mode header): 401.
        using var anonymous = fixture.Factory.CreateClient();
        await (await anonymous.PostJsonAsync("/recommend", new { user_id = fixture.CityUser })).AssertProblemAsync(HttpStatusCode.Unauthorized, "X-Api-Key");

        using var malformed = fixture.Client("not a tenant!");
        await (await malformed.PostJsonAsync("/recommend", new { user_id = fixture.CityUser })).AssertProblemAsync(HttpStatusCode.BadRequest, "X-Tenant-Id");
    }

    [Fact]
    public async Task Interactions_for_an_unknown_tenant_are_404()
    {
        using var client = fixture.Client("gamma");

        var response = await client.PostJsonAsync("/interactions", new { interactions = new[] { new { event_id = "g-1", user_id = "u", property_id = "p", kind = "view" } } });

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "X-Tenant-Id");
    }
}
