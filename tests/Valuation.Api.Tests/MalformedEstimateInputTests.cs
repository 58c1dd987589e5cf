using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Registry;

namespace Platform.Valuation.Api.Tests;

/// <summary>
/// Regression tests for the malformed estimate inputs of issue 14 (a lone surrogate answered 500, a 5e-324 sqft house was
/// priced, a bogus charset on the registry routes answered 500), against the real host with the Sacramento champion.
/// </summary>
public sealed class MalformedEstimateInputTests(ChampionFixture fixture) : IClassFixture<ChampionFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateClient();

    /// <summary>A Sacramento row as raw JSON with one member replaced by <paramref name="rawValue"/> (escapes kept).</summary>
    private static string RowWith(string member, string rawValue)
    {
        var row = SacramentoData.Rows(1)[0];
        row[member] = "__placeholder__";
        return "{\"properties\":[" + row.ToJsonString().Replace("\"__placeholder__\"", rawValue, StringComparison.Ordinal) + "]}";
    }

    private Task<HttpResponseMessage> PostRawAsync(string path, string json) =>
        _client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(field, problem.GetProperty("field").GetString());
        return problem;
    }

    [Theory]
    [InlineData("city", "\"SACRA\\ud800MENTO\"", "properties[0].city")]
    [InlineData("type", "\"\\udc00\"", "properties[0].type")]
    [InlineData("property_id", "\"sac-\\ud83d\"", "properties[0].property_id")]
    [InlineData("sqft", "\"\\ud800\"", "properties[0].sqft")]
    public async Task A_lone_surrogate_in_an_estimate_string_is_400_naming_the_field(string member, string rawValue, string field)
    {
        var problem = await AssertProblemAsync(await PostRawAsync("/estimate", RowWith(member, rawValue)), HttpStatusCode.BadRequest, field);

        Assert.Contains("Unicode", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_paired_surrogate_is_ordinary_text()
    {
        // U+1F3E0 (a house) as its escaped surrogate pair: valid text, an unknown city to this model.
        using var response = await PostRawAsync("/estimate", RowWith("property_id", "\"sac-\\ud83c\\udfe0\""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0];
        Assert.Equal("sac-\U0001F3E0", result.GetProperty("property_id").GetString());
    }

    [Theory]
    [InlineData("5e-324")]
    [InlineData("0")]
    [InlineData("1e-9")]
    [InlineData("-484")]
    public async Task An_implausibly_small_area_is_422_out_of_range_naming_it(string sqft)
    {
        var problem = await AssertProblemAsync(await PostRawAsync("/estimate", RowWith("sqft", sqft)), HttpStatusCode.UnprocessableEntity, "properties");

        var row = problem.GetProperty("results")[0].GetProperty("problem");
        Assert.Equal("sqft", row.GetProperty("field").GetString());
        Assert.Equal("out_of_range", row.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_area_floor_is_half_the_smallest_training_area()
    {
        var sqft = (await _client.GetFromJsonAsync<JsonElement>("/model/info")).GetProperty("features").EnumerateArray()
            .Single(f => f.GetProperty("name").GetString() == "sqft");
        var min = sqft.GetProperty("min").GetDouble();
        var floor = min / 2;
        var inv = System.Globalization.CultureInfo.InvariantCulture;

        using var below = await PostRawAsync("/estimate", RowWith("sqft", (floor - 1).ToString(inv)));
        using var at = await PostRawAsync("/estimate", RowWith("sqft", Math.Ceiling(floor).ToString(inv)));

        Assert.True(min > 100, $"training minimum {min}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, below.StatusCode);
        Assert.Equal(HttpStatusCode.OK, at.StatusCode);
    }

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=ISO-8859-1")]
    public async Task An_estimate_body_in_a_charset_other_than_utf8_is_415(string contentType)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(SacramentoData.Request(SacramentoData.Rows(1)).ToJsonString()));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        await AssertProblemAsync(await _client.PostAsync("/estimate", content), HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=utf-32")]
    public async Task A_registry_alias_move_in_a_bogus_charset_is_415_and_moves_nothing(string contentType)
    {
        using var admin = fixture.Factory.CreateAdminClient();
        var registry = fixture.Factory.Services.GetRequiredService<ModelRegistry>();
        var before = await registry.GetAliasesAsync(ValuationApiFactory.Tenant, "price");
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"version\":1}"));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        await AssertProblemAsync(await admin.PostAsync("/registry/price/aliases/bogus-charset", content), HttpStatusCode.UnsupportedMediaType, "Content-Type");

        Assert.Equal(before, await registry.GetAliasesAsync(ValuationApiFactory.Tenant, "price"));
    }

    [Fact]
    public async Task A_registry_alias_move_in_utf8_still_works()
    {
        using var admin = fixture.Factory.CreateAdminClient();
        using var content = new StringContent(JsonSerializer.Serialize(new { version = fixture.Champion.Version }), Encoding.UTF8, "application/json");

        using var response = await admin.PostAsync("/registry/price/aliases/utf8-charset", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_pubsub_estimate_request_with_a_lone_surrogate_is_dropped_without_an_answer()
    {
        // No .NET publisher can write such a payload (the serializer refuses it), but a foreign one can: handed to the
        // subscription as the sidecar would deliver it.
        var handler = fixture.Factory.Services.GetServices<Platform.BuildingBlocks.Messaging.IEventHandler>()
            .OfType<Estimation.EstimateRequestHandler>().Single();
        var data = JsonDocument.Parse(RowWith("city", "\"\\ud800\"").Replace("{\"properties\"", "{\"request_id\":\"surrogate-1\",\"properties\"", StringComparison.Ordinal)).RootElement.Clone();

        var result = await handler.HandleAsync(
            new Platform.BuildingBlocks.Messaging.CloudEvent { Id = "surrogate-event", Source = "test", Type = "estimate-request", Data = data }, CancellationToken.None);

        Assert.Equal(Platform.BuildingBlocks.Messaging.DeliveryResult.Drop, result);
        await Assert.ThrowsAsync<TimeoutException>(() => fixture.Factory.Events.WaitForAsync(Platform.BuildingBlocks.Messaging.Topics.Estimates,
            e => e.Data.GetProperty("request_id").GetString() == "surrogate-1", TimeSpan.FromMilliseconds(500)));
    }
}
