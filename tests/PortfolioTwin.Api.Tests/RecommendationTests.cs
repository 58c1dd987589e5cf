using System.Net;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.PortfolioTwin.Api.Tests;

[Collection(TwinApiCollection.Name)]
public sealed class RecommendationTests(TwinApiFixture fixture)
{
    [Fact]
    public async Task Recommend_ranks_active_properties_and_leaves_out_deals_and_dislikes()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var user = fixture.CityUser;

        var response = await (await client.PostJsonAsync("/recommend", new { user_id = user, top_k = 10 })).ReadAsync<RecommendResponse>();

        var dealtOrDisliked = fixture.AlphaMarket.Interactions
            .Where(i => i.UserId == user && i.Kind is InteractionKind.Deal or InteractionKind.Dislike).Select(i => i.PropertyId).ToHashSet();
        Assert.Equal(10, response.Results.Count);
        Assert.Equal(dealtOrDisliked.Count, response.Excluded);
        Assert.All(response.Results, r => Assert.DoesNotContain(r.PropertyId, dealtOrDisliked));
        Assert.All(response.Results, r => Assert.Equal(ListingStatus.Active, r.Status));
        Assert.Equal(response.Results.OrderByDescending(r => r.Score).Select(r => r.PropertyId), response.Results.Select(r => r.PropertyId));
        Assert.All(response.Results, r => Assert.StartsWith("alpha-", r.PropertyId));
    }

    [Fact]
    public async Task Filters_are_applied_inside_the_index()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var request = new
        {
            user_id = fixture.CityUser,
            top_k = 20,
            filters = new
            {
                property_types = new[] { "enebolig", "rekkehus" },
                min_price = 6_000_000,
                max_price = 12_000_000,
                min_bedrooms = 3,
                near = new { latitude = 60.05, longitude = 10.95, radius_km = 8 },
            },
        };

        var response = await (await client.PostJsonAsync("/recommend", request)).ReadAsync<RecommendResponse>();

        var expected = fixture.AlphaMarket.Properties.Count(p =>
            p.PropertyType is PropertyTypes.Enebolig or PropertyTypes.Rekkehus && p.ListingPrice is >= 6_000_000 and <= 12_000_000
            && p.Bedrooms >= 3 && p.Status == ListingStatus.Active && Kilometres(p.Latitude, p.Longitude, 60.05, 10.95) <= 8
            && !fixture.AlphaMarket.Interactions.Any(i => i.UserId == fixture.CityUser && i.PropertyId == p.PropertyId && i.Kind is InteractionKind.Deal or InteractionKind.Dislike));
        Assert.Equal(Math.Min(20, expected), response.Results.Count);
        Assert.All(response.Results, r =>
        {
            Assert.Contains(r.PropertyType, new[] { PropertyTypes.Enebolig, PropertyTypes.Rekkehus });
            Assert.InRange(r.Price, 6_000_000, 12_000_000);
            Assert.True(r.Bedrooms >= 3);
            Assert.True(Kilometres(r.Latitude, r.Longitude, 60.05, 10.95) <= 8.001);
        });
    }

    [Fact]
    public async Task Candidates_restrict_the_ranking_and_status_any_includes_sold_listings()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var candidates = fixture.AlphaMarket.Properties.Where(p => p.Status != ListingStatus.Active).Take(3).Select(p => p.PropertyId).ToArray();

        var active = await (await client.PostJsonAsync("/recommend", new { user_id = fixture.FamilyUser, candidate_property_ids = candidates })).ReadAsync<RecommendResponse>();
        var any = await (await client.PostJsonAsync("/recommend", new { user_id = fixture.FamilyUser, candidate_property_ids = candidates, filters = new { status = "any" } }))
            .ReadAsync<RecommendResponse>();

        Assert.Empty(active.Results);
        var excluded = fixture.AlphaMarket.Interactions.Where(i => i.UserId == fixture.FamilyUser && i.Kind is InteractionKind.Deal or InteractionKind.Dislike).Select(i => i.PropertyId);
        Assert.Equal(candidates.Except(excluded).Order(), any.Results.Select(r => r.PropertyId).Order());
    }

    [Fact]
    public async Task Invalid_filters_and_top_k_are_422()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);

        await (await client.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, top_k = 0 })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "top_k");
        await (await client.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, filters = new { min_price = 5, max_price = 1 } }))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "filters.min_price");
        await (await client.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, filters = new { near = new { latitude = 59.9, longitude = 10.7 } } }))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "filters.near.radius_km");
        await (await client.PostJsonAsync("/recommend", new { user_id = fixture.CityUser, filters = new { property_types = new[] { "igloo" } } }))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "filters.property_types");
    }

    [Fact]
    public async Task Unknown_user_is_404_and_a_known_user_without_history_gets_the_popularity_fallback()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);

        await (await client.PostJsonAsync("/recommend", new { user_id = "ghost" })).AssertProblemAsync(HttpStatusCode.NotFound, "user_id");
        var newcomer = await (await client.PostJsonAsync("/recommend", new { user_id = TwinTestMarket.NewUserId })).ReadAsync<RecommendResponse>();

        Assert.Equal("popularity", newcomer.UserSource);
        Assert.Equal(10, newcomer.Results.Count);
    }

    [Fact]
    public async Task Explain_lists_the_strongest_features_first()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var property = fixture.AlphaMarket.Properties.First(p => p.PropertyType == PropertyTypes.Leilighet);

        var explained = await (await client.GetAsync($"/recommend/{fixture.CityUser}/explain/{property.PropertyId}")).ReadAsync<ExplainResponse>();

        Assert.Equal(property.PropertyId, explained.PropertyId);
        Assert.NotEmpty(explained.Contributions);
        var magnitudes = explained.Contributions.Select(c => Math.Abs(c.Contribution)).ToList();
        Assert.Equal(magnitudes.OrderByDescending(m => m), magnitudes);
        Assert.InRange(explained.AffinityScore, 0, 1);

        await (await client.GetAsync($"/recommend/{fixture.CityUser}/explain/nope")).AssertProblemAsync(HttpStatusCode.NotFound, "property_id");
        await (await client.GetAsync($"/recommend/ghost/explain/{property.PropertyId}")).AssertProblemAsync(HttpStatusCode.NotFound, "user_id");
    }

    [Fact]
    public async Task Similar_finds_look_alikes_by_id_features_or_vector()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var house = fixture.AlphaMarket.Properties.First(p => p.PropertyType == PropertyTypes.Enebolig && p.Status == ListingStatus.Active);

        var byId = await (await client.PostJsonAsync("/similar", new { property_id = house.PropertyId, top_k = 5, filters = new { status = "any" } })).ReadAsync<SimilarResponse>();
        Assert.Equal(5, byId.Results.Count);
        Assert.DoesNotContain(house.PropertyId, byId.Results.Select(r => r.PropertyId));
        Assert.True(byId.Results.Count(r => r.PropertyType == PropertyTypes.Enebolig) >= 4, string.Join(", ", byId.Results.Select(r => r.PropertyType)));

        var byFeatures = await (await client.PostJsonAsync("/similar", new { property_features = PredictionTests.House, top_k = 3, filters = new { property_types = new[] { "enebolig" } } }))
            .ReadAsync<SimilarResponse>();
        Assert.All(byFeatures.Results, r => Assert.Equal(PropertyTypes.Enebolig, r.PropertyType));

        var embedding = await (await client.PostJsonAsync("/embedding", new { property_features = PredictionTests.House })).ReadAsync<EmbeddingResponse>();
        var byVector = await (await client.PostJsonAsync("/similar", new { vector = embedding.Embedding.Select(v => v * 3), top_k = 3, filters = new { property_types = new[] { "enebolig" } } }))
            .ReadAsync<SimilarResponse>();
        Assert.Equal(byFeatures.Results.Select(r => r.PropertyId), byVector.Results.Select(r => r.PropertyId));
    }

    [Fact]
    public async Task Bad_vectors_are_422_and_unknown_properties_404()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);

        await (await client.PostJsonAsync("/similar", new { vector = new float[3] { 1, 0, 0 } })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "vector");
        await (await client.PostJsonAsync("/similar", new { vector = new float[16] })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "vector");
        await (await client.PostJsonAsync("/similar", new { })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "property_id");
        await (await client.PostJsonAsync("/similar", new { property_id = "alpha-nope" })).AssertProblemAsync(HttpStatusCode.NotFound, "property_id");
    }

    private static double Kilometres(double lat1, double lon1, double lat2, double lon2)
    {
        const double R = 6371.0;
        var dLat = (lat2 - lat1) * Math.PI / 180;
        var dLon = (lon2 - lon1) * Math.PI / 180;
        var a = Math.Pow(Math.Sin(dLat / 2), 2) + Math.Cos(lat1 * Math.PI / 180) * Math.Cos(lat2 * Math.PI / 180) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * R * Math.Asin(Math.Sqrt(a));
    }
}
