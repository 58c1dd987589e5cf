using System.Net;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.PortfolioTwin.Api.Tests;

[Collection(TwinApiCollection.Name)]
public sealed class PredictionTests(TwinApiFixture fixture)
{
    internal static object Features(string type, double area, int bedrooms, double price, double lat, double lon) => new
    {
        property_type = type,
        latitude = lat,
        longitude = lon,
        usable_area = area,
        bedrooms,
        bathrooms = 1,
        year_built = 1990,
        listing_price = price,
    };

    internal static object Flat => Features("leilighet", 55, 1, 4_000_000, 59.91, 10.75);

    internal static object House => Features("enebolig", 200, 5, 11_000_000, 60.05, 10.95);

    /// <summary>The wire form of a market property, as a client would send it.</summary>
    internal static object FeaturesOf(Property p) => new
    {
        property_id = p.PropertyId,
        property_type = p.PropertyType,
        municipality = p.Municipality,
        latitude = p.Latitude,
        longitude = p.Longitude,
        usable_area = p.UsableArea,
        lot_size = p.LotSize,
        rooms = p.Rooms,
        bedrooms = p.Bedrooms,
        bathrooms = p.Bathrooms,
        floor = p.Floor,
        year_built = p.YearBuilt,
        condition = p.Condition,
        listing_price = p.ListingPrice,
        status = p.Status,
        days_on_market = p.DaysOnMarket,
    };

    [Fact]
    public async Task Predict_answers_a_trained_user_with_score_confidence_and_model_version()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);

        var flat = await (await client.PostJsonAsync("/predict", new { user_id = fixture.CityUser, property_features = Flat })).ReadAsync<PredictResponse>();

        Assert.Equal(fixture.CityUser, flat.UserId);
        Assert.Equal("trained", flat.UserSource);
        Assert.Equal(fixture.Champion.Version, flat.ModelVersion);
        Assert.InRange(flat.AffinityScore, 0, 1);
        Assert.InRange(flat.Confidence, 0, 1);
    }

    [Fact]
    public async Task Batch_predict_answers_each_property_in_order_and_matches_single_predictions()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var properties = fixture.AlphaMarket.Properties.Take(12).ToList();

        var batch = await (await client.PostJsonAsync("/batch_predict", new { user_id = fixture.FamilyUser, properties = properties.Select(FeaturesOf) }))
            .ReadAsync<BatchPredictResponse>();

        Assert.Equal(Enumerable.Range(0, properties.Count), batch.Predictions.Select(p => p.Index));
        Assert.Equal(properties.Select(p => p.PropertyId), batch.Predictions.Select(p => p.PropertyId));
        Assert.All(batch.Predictions, p => Assert.InRange(p.AffinityScore, 0, 1));
        Assert.True(batch.Predictions.Select(p => p.AffinityScore).Distinct().Count() > 1, "every property scored the same");
        foreach (var i in new[] { 0, 7 })
        {
            var single = await (await client.PostJsonAsync("/predict", new { user_id = fixture.FamilyUser, property_features = FeaturesOf(properties[i]) })).ReadAsync<PredictResponse>();
            Assert.Equal(single.AffinityScore, batch.Predictions[i].AffinityScore, 5);
            Assert.Equal(single.Confidence, batch.Predictions[i].Confidence, 5);
        }
    }

    [Fact]
    public async Task Invalid_features_are_422_naming_the_field()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);

        var negativeArea = Features("leilighet", -5, 1, 4_000_000, 59.91, 10.75);
        var response = await client.PostJsonAsync("/batch_predict", new { user_id = fixture.CityUser, properties = new[] { Flat, negativeArea } });
        await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "properties[1].usable_area");

        var unknownType = await client.PostJsonAsync("/predict", new { user_id = fixture.CityUser, property_features = Features("castle", 55, 1, 1, 59.9, 10.7) });
        await unknownType.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "property_features.property_type");

        var missing = await client.PostJsonAsync("/predict", new { user_id = fixture.CityUser, property_features = new { property_type = "leilighet" } });
        var problem = await missing.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Contains("property_features.latitude", fields);
        Assert.Contains("property_features.year_built", fields);

        var noUser = await client.PostJsonAsync("/predict", new { property_features = Flat });
        await noUser.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "user_id");
    }

    [Fact]
    public async Task Malformed_json_is_400()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        using var content = new StringContent("{\"user_id\": ", System.Text.Encoding.UTF8, "application/json");

        var response = await client.PostAsync("/predict", content);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "body");
    }

    [Fact]
    public async Task Unknown_user_is_404_problem_details()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);

        var response = await client.PostJsonAsync("/predict", new { user_id = "nobody", property_features = Flat });

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "user_id");
    }

    [Fact]
    public async Task Embedding_is_a_unit_vector_of_the_model_dimension()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);

        var embedding = await (await client.PostJsonAsync("/embedding", new { property_features = Flat })).ReadAsync<EmbeddingResponse>();

        Assert.Equal(16, embedding.Dimension);
        Assert.Equal(16, embedding.Embedding.Count);
        Assert.Equal(1.0, Math.Sqrt(embedding.Embedding.Sum(v => (double)v * v)), 4);

        var bad = await client.PostJsonAsync("/embedding", new { property_features = Features("leilighet", 55, 1, 4_000_000, 123, 10.75) });
        await bad.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "property_features.latitude");
    }
}
