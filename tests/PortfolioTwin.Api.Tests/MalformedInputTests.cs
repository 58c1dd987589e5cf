using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Messaging;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>
/// Regression tests for the malformed inputs of issue 14 that answered 500 or were accepted wrongly: each gets a 4xx problem
/// naming the field, and nothing is stored. Bodies are raw JSON so the escapes (<c>\u0000</c>, <c>\ud800</c>) reach the host
/// exactly as a hostile client sends them.
/// </summary>
[Collection(TwinApiCollection.Name)]
public sealed class MalformedInputTests(TwinApiFixture fixture) : IAsyncLifetime
{
    /// <summary>The user these tests store interactions for: not one the other tests expect to stay "trained".</summary>
    private const string Writer = "inputs-writer";

    private const string Flat = """
        "property_type":"leilighet","latitude":59.91,"longitude":10.75,"usable_area":55,"bedrooms":1,"bathrooms":1,"year_built":1990
        """;

    private static string User => Writer;

    private string Property => fixture.AlphaMarket.Properties[0].PropertyId;

    public static TheoryData<string, string, string> ControlCharactersInIds => new()
    {
        { "/recommend", """{"user_id":"u01\u0000"}""", "user_id" },
        { "/recommend", """{"user_id":"u01\n"}""", "user_id" },
        { "/recommend", """{"user_id":"u01","candidate_property_ids":["alpha-p000\u0000"]}""", "candidate_property_ids[0]" },
        { "/predict", """{"user_id":"\u0000","property_features":{""" + Flat + "}}", "user_id" },
        { "/predict", """{"user_id":"u01","property_features":{"property_id":"p\u0000",""" + Flat + "}}", "property_features.property_id" },
        { "/batch_predict", """{"user_id":"u01\u001b[2J","properties":[{""" + Flat + "}]}", "user_id" },
        { "/batch_predict", """{"user_id":"u01","properties":[{"municipality":"Oslo\u0000",""" + Flat + "}]}", "properties[0].municipality" },
        { "/similar", """{"property_id":"alpha-p000\u0000"}""", "property_id" },
        { "/embedding", """{"property_features":{"zip_code":"0150\u0000",""" + Flat + "}}", "property_features.zip_code" },
    };

    [Theory]
    [MemberData(nameof(ControlCharactersInIds))]
    public async Task Control_characters_in_ids_and_text_are_422_naming_the_field(string path, string body, string field)
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);

        var problem = await (await client.PostRawAsync(path, body)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, field);

        Assert.Contains("control character", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("u01%1B", "alpha-p000", "user_id")]
    [InlineData("u01", "alpha-p000%0A", "property_id")]
    public async Task Control_characters_in_the_explain_route_are_422_naming_the_segment(string user, string property, string field)
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);

        await (await client.GetAsync($"/recommend/{user}/explain/{property}")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, field);
    }

    [Theory]
    [InlineData("event_id", "nul-ev\\u0000")]
    [InlineData("user_id", "u01\\u0000")]
    [InlineData("property_id", "alpha-p000\\u0007")]
    public async Task Control_characters_in_interaction_ids_are_422_and_nothing_is_stored(string field, string value)
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var interaction = new Dictionary<string, string> { ["event_id"] = "nul-ok", ["user_id"] = User, ["property_id"] = Property, ["kind"] = "view" };
        interaction[field] = value;
        var body = "{\"interactions\":[{" + string.Join(",", interaction.Select(p => $"\"{p.Key}\":\"{p.Value}\"")) + "}]}";

        await (await client.PostRawAsync("/interactions", body)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, $"interactions[0].{field}");

        Assert.Equal(0, await CountEventsAsync("nul-"));
    }

    [Fact]
    public async Task A_pubsub_interaction_with_a_nul_or_a_newline_tenant_is_dropped_and_nothing_is_stored()
    {
        var publisher = fixture.Factory.Services.GetRequiredService<IEventPublisher>();

        await publisher.PublishAsync(Topics.Interactions, new Dictionary<string, object>
        {
            ["tenant_id"] = TwinApiFixture.Alpha,
            ["user_id"] = User + "\u0000",
            ["property_id"] = Property,
            ["kind"] = "view",
        }, eventId: "pubsub-nul-1");
        await publisher.PublishAsync(Topics.Interactions, new Dictionary<string, object>
        {
            ["tenant_id"] = TwinApiFixture.Alpha + "\n",
            ["user_id"] = User,
            ["property_id"] = Property,
            ["kind"] = "view",
        }, eventId: "pubsub-nul-2");
        await publisher.PublishAsync(Topics.Interactions, new Dictionary<string, object>
        {
            ["tenant_id"] = TwinApiFixture.Alpha,
            ["user_id"] = User,
            ["property_id"] = Property,
            ["kind"] = "view",
        }, eventId: "pubsub-nul-3\u0000");
        await fixture.WaitForEventsAsync();

        Assert.Equal(0, await CountEventsAsync("pubsub-nul-"));
    }

    [Theory]
    [InlineData("/recommend", """{"user_id":"\ud800"}""", "user_id")]
    [InlineData("/similar", """{"property_features":{"municipality":"Oslo\udfff",""" + Flat + "}}", "property_features.municipality")]
    [InlineData("/interactions", """{"interactions":[{"event_id":"sur-1","user_id":"u01","property_id":"\ud800x","kind":"view"}]}""", "interactions[0].property_id")]
    public async Task A_lone_surrogate_is_a_400_naming_the_field(string path, string body, string field)
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);

        await (await client.PostRawAsync(path, body)).AssertProblemAsync(HttpStatusCode.BadRequest, field);

        Assert.Equal(0, await CountEventsAsync("sur-"));
    }

    [Theory]
    [InlineData("/recommend", "application/json; charset=bogus")]
    [InlineData("/interactions", "application/json; charset=utf-16")]
    [InlineData("/similar", "application/json; charset=\"latin1\"")]
    public async Task A_json_body_in_a_charset_other_than_utf8_is_415_naming_the_content_type(string path, string contentType)
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes($$"""{"user_id":"{{User}}","interactions":[{"event_id":"cs-1","user_id":"{{User}}","property_id":"{{Property}}","kind":"view"}]}"""));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        await (await client.PostAsync(path, content)).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "Content-Type");

        Assert.Equal(0, await CountEventsAsync("cs-"));
    }

    [Fact]
    public async Task A_utf8_charset_is_accepted()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        using var content = new StringContent($$"""{"user_id":"{{User}}"}""", Encoding.UTF8, "application/json");

        Assert.Equal("utf-8", content.Headers.ContentType?.CharSet);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/recommend", content)).StatusCode);
    }

    [Theory]
    [InlineData(1e20, HttpStatusCode.UnprocessableEntity, "vector")]
    [InlineData(-3e19, HttpStatusCode.UnprocessableEntity, "vector")]
    [InlineData(1e39, HttpStatusCode.UnprocessableEntity, "vector")]
    public async Task A_vector_whose_norm_overflows_is_refused_naming_it(double component, HttpStatusCode status, string field)
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var vector = string.Join(",", Enumerable.Repeat(component.ToString("R", System.Globalization.CultureInfo.InvariantCulture), 16));

        await (await client.PostRawAsync("/similar", $$"""{"vector":[{{vector}}]}""")).AssertProblemAsync(status, field);
    }

    [Fact]
    public async Task A_large_but_finite_vector_is_searched_along_its_direction()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var vector = string.Join(",", Enumerable.Range(0, 16).Select(i => i % 2 == 0 ? "1e15" : "-1e15"));

        var similar = await (await client.PostRawAsync("/similar", $$"""{"vector":[{{vector}}],"top_k":3}""")).ReadAsync<SimilarResponse>();

        Assert.Equal(3, similar.Results.Count);
        Assert.All(similar.Results, r => Assert.True(double.IsFinite(r.Score)));
    }

    public static TheoryData<string, string, string> DenormalEstimatedValues => new()
    {
        { "/embedding", """{"property_features":{"estimated_value":5e-324,""" + Flat + "}}", "property_features.estimated_value" },
        { "/predict", """{"user_id":"u01","property_features":{"estimated_value":5e-324,""" + Flat + "}}", "property_features.estimated_value" },
        { "/batch_predict", """{"user_id":"u01","properties":[{""" + Flat + """},{"estimated_value":5e-324,""" + Flat + "}]}", "properties[1].estimated_value" },
        { "/similar", """{"property_features":{"estimated_value":5e-324,""" + Flat + "}}", "property_features.estimated_value" },
        { "/similar", """{"property_features":{"listing_price":1e-300,""" + Flat + "}}", "property_features.listing_price" },
        { "/embedding", """{"property_features":{"property_type":"leilighet","latitude":59.91,"longitude":10.75,"usable_area":5e-324,"bedrooms":1,"bathrooms":1,"year_built":1990}}""", "property_features.usable_area" },
    };

    [Theory]
    [MemberData(nameof(DenormalEstimatedValues))]
    public async Task A_denormal_price_or_area_is_422_out_of_range_never_nan(string path, string body, string field)
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);

        var response = await client.PostRawAsync(path, body);

        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("NaN", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", text, StringComparison.Ordinal);
        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, field);
        Assert.Contains("outside", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_smallest_accepted_price_and_area_still_give_finite_answers()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        const string Tiny = """{"property_type":"leilighet","latitude":59.91,"longitude":10.75,"usable_area":1,"bedrooms":1,"bathrooms":1,"year_built":1990,"estimated_value":1,"listing_price":1,"monthly_rent":10000000000}""";

        var embedding = await (await client.PostRawAsync("/embedding", $$"""{"property_features":{{Tiny}}}""")).ReadAsync<EmbeddingResponse>();
        var predicted = await (await client.PostRawAsync("/predict", $$"""{"user_id":"{{User}}","property_features":{{Tiny}}}""")).ReadAsync<PredictResponse>();

        Assert.All(embedding.Embedding, v => Assert.True(float.IsFinite(v)));
        Assert.True(double.IsFinite(predicted.AffinityScore) && double.IsFinite(predicted.Confidence));
    }

    [Fact]
    public async Task An_event_id_reused_with_other_content_is_409_naming_it_and_nothing_of_the_batch_is_stored()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var at = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var first = new { event_id = "reuse-1", user_id = User, property_id = Property, kind = "view", occurred_at = at };
        await (await client.PostJsonAsync("/interactions", new { interactions = new[] { first } })).ReadAsync<InteractionBatchResponse>();

        var again = await (await client.PostJsonAsync("/interactions", new { interactions = new[] { first } })).ReadAsync<InteractionBatchResponse>();
        var reused = await client.PostJsonAsync("/interactions", new
        {
            interactions = new[]
            {
                new { event_id = "reuse-2", user_id = User, property_id = Property, kind = "view", occurred_at = at },
                first with { kind = "deal" },
            },
        });
        var laterTime = await client.PostJsonAsync("/interactions", new { interactions = new[] { first with { occurred_at = at.AddSeconds(1) } } });

        Assert.Equal(new InteractionBatchResponse(1, 0, 1, 0), again);
        await reused.AssertProblemAsync(HttpStatusCode.Conflict, "interactions[1].event_id");
        await laterTime.AssertProblemAsync(HttpStatusCode.Conflict, "interactions[0].event_id");
        Assert.Equal(1, await CountEventsAsync("reuse-"));
        Assert.Equal("view", await KindOfAsync("reuse-1"));
    }

    [Fact]
    public async Task An_event_id_repeated_within_one_batch_with_other_content_is_409()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var view = new { event_id = "inbatch-1", user_id = User, property_id = Property, kind = "view" };

        var response = await client.PostJsonAsync("/interactions", new { interactions = new[] { view, view with { kind = "like" } } });

        await response.AssertProblemAsync(HttpStatusCode.Conflict, "interactions[0].event_id");
        Assert.Equal(0, await CountEventsAsync("inbatch-"));
    }

    [Fact]
    public async Task A_redelivery_without_a_time_is_still_a_duplicate()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var batch = new { interactions = new[] { new { event_id = "notime-1", user_id = User, property_id = Property, kind = "view" } } };

        await (await client.PostJsonAsync("/interactions", batch)).ReadAsync<InteractionBatchResponse>();
        await Task.Delay(20);
        var again = await (await client.PostJsonAsync("/interactions", batch)).ReadAsync<InteractionBatchResponse>();

        Assert.Equal(new InteractionBatchResponse(1, 0, 1, 0), again);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("1999-12-31T23:59:59Z")]
    [InlineData("2100-01-01T00:00:00Z")]
    public async Task An_implausible_interaction_date_is_422_naming_it_and_nothing_is_stored(string occurredAt)
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var body = $$"""{"interactions":[{"event_id":"date-{{occurredAt[..4]}}","user_id":"{{User}}","property_id":"{{Property}}","kind":"view","occurred_at":"{{occurredAt}}"}]}""";

        await (await client.PostRawAsync("/interactions", body)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "interactions[0].occurred_at");

        Assert.Equal(0, await CountEventsAsync("date-"));
    }

    [Fact]
    public async Task The_edges_of_the_accepted_date_range_are_stored()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var earliest = DateInput.Interaction.Earliest;
        var batch = new
        {
            interactions = new[]
            {
                new { event_id = "edge-1", user_id = User, property_id = Property, kind = "view", occurred_at = earliest },
                new { event_id = "edge-2", user_id = User, property_id = Property, kind = "view", occurred_at = DateTimeOffset.UtcNow.AddHours(12) },
            },
        };

        var stored = await (await client.PostJsonAsync("/interactions", batch)).ReadAsync<InteractionBatchResponse>();

        Assert.Equal(2, stored.Stored);
    }

    [Fact]
    public async Task Unknown_users_and_properties_are_422_naming_each_and_no_phantom_user_appears()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var batch = new
        {
            interactions = new[]
            {
                new { event_id = "phantom-1", user_id = User, property_id = Property, kind = "like" },
                new { event_id = "phantom-2", user_id = "phantom-user", property_id = Property, kind = "like" },
                new { event_id = "phantom-3", user_id = User, property_id = "no-such-property", kind = "deal" },
                new { event_id = "phantom-4", user_id = "u01", property_id = fixture.BetaMarket.Properties[0].PropertyId, kind = "view" },
            },
        };

        var problem = await (await client.PostJsonAsync("/interactions", batch)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "interactions[1].user_id");

        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Equal(["interactions[1].user_id", "interactions[2].property_id", "interactions[3].property_id"], fields);
        Assert.Equal(0, await CountEventsAsync("phantom-"));
        await (await client.PostJsonAsync("/recommend", new { user_id = "phantom-user" })).AssertProblemAsync(HttpStatusCode.NotFound, "user_id");
    }

    [Fact]
    public async Task A_pubsub_interaction_for_an_unknown_user_or_a_reused_event_id_is_dropped()
    {
        var publisher = fixture.Factory.Services.GetRequiredService<IEventPublisher>();
        var valid = new Dictionary<string, object>
        {
            ["tenant_id"] = TwinApiFixture.Alpha,
            ["user_id"] = User,
            ["property_id"] = Property,
            ["kind"] = "view",
            ["occurred_at"] = "2025-04-01T00:00:00Z",
        };
        await publisher.PublishAsync(Topics.Interactions, valid, eventId: "pubsub-ref-1");
        await fixture.WaitForEventsAsync();
        await publisher.PublishAsync(Topics.Interactions, new Dictionary<string, object>(valid) { ["kind"] = "deal" }, eventId: "pubsub-ref-1");
        await publisher.PublishAsync(Topics.Interactions, new Dictionary<string, object>(valid) { ["user_id"] = "phantom-pubsub" }, eventId: "pubsub-ref-2");
        await fixture.WaitForEventsAsync();

        Assert.Equal(1, await CountEventsAsync("pubsub-ref-"));
        Assert.Equal("view", await KindOfAsync("pubsub-ref-1"));
    }

    public Task InitializeAsync() => fixture.AddUsersAsync(TwinApiFixture.Alpha, Writer);

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<long> CountEventsAsync(string eventIdPrefix)
    {
        await using var connection = await fixture.Database.Tenants.OpenAsync(TwinApiFixture.Alpha);
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM interactions WHERE starts_with(event_id, @prefix)", connection);
        command.Parameters.AddWithValue("prefix", eventIdPrefix);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<string?> KindOfAsync(string eventId)
    {
        await using var connection = await fixture.Database.Tenants.OpenAsync(TwinApiFixture.Alpha);
        await using var command = new Npgsql.NpgsqlCommand("SELECT kind FROM interactions WHERE event_id = @id", connection);
        command.Parameters.AddWithValue("id", eventId);
        return (string?)await command.ExecuteScalarAsync();
    }
}
