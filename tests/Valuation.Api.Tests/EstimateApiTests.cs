using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Messaging;
using Platform.Valuation.Api.Estimation;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Api.Tests;

/// <summary>POST /estimate and the streaming subscription against the real host with the Sacramento champion.</summary>
public sealed class EstimateApiTests(ChampionFixture fixture) : IClassFixture<ChampionFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateClient();

    private async Task<(HttpStatusCode Status, JsonElement Body)> EstimateAsync(JsonObject request, string query = "")
    {
        using var response = await _client.PostAsJsonAsync("/estimate" + query, request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, body);
    }

    [Fact]
    public async Task Valid_rows_get_an_estimate_inside_an_interval_with_version_and_contributions()
    {
        var (status, body) = await EstimateAsync(SacramentoData.Request(SacramentoData.Rows(5)));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(5, body.GetProperty("accepted").GetInt32());
        Assert.Equal(fixture.Champion.Version, body.GetProperty("model_version").GetInt32());
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["sac-2", "sac-3", "sac-4", "sac-5", "sac-6"], results.Select(r => r.GetProperty("property_id").GetString()));
        foreach (var result in results)
        {
            Assert.Equal("ok", result.GetProperty("status").GetString());
            var estimate = result.GetProperty("estimate").GetDouble();
            Assert.InRange(estimate, 10_000, 2_000_000);
            Assert.InRange(result.GetProperty("low").GetDouble(), 0, estimate);
            Assert.InRange(result.GetProperty("high").GetDouble(), estimate, double.MaxValue);
            Assert.Equal(fixture.Champion.Version, result.GetProperty("model_version").GetInt32());
            var contributions = result.GetProperty("contributions").EnumerateArray().ToList();
            Assert.NotEmpty(contributions);
            Assert.All(contributions, c => Assert.False(string.IsNullOrEmpty(c.GetProperty("feature").GetString())));
            Assert.False(result.TryGetProperty("comparables", out _));
        }
    }

    [Fact]
    public void The_generated_serializer_of_the_hot_path_writes_exactly_the_hosts_wire()
    {
        // POST /estimate answers with the source-generated serializer; the OpenAPI document and every other answer use the
        // host's HTTP JSON options. Nulls, renamed members, nested model types and problems must come out the same.
        EstimateResult[] results =
        [
            new(0, "sac-1", EstimateResult.Ok)
            {
                Estimate = 412_000, Low = 380_000.25, High = 450_000, ModelVersion = 3,
                Contributions = [new FeatureContribution("sqft", 21_000.5), new FeatureContribution("type", -1e-7)],
                Comparables = [new ComparableSale("c-1", 7, 405_000, 0.3, 1.2, "east") { Latitude = 38.5 }, new ComparableSale(null, 8, 1, 0, null, null)],
            },
            new(1, null, EstimateResult.Rejected) { Problem = RowProblem.From([new FieldError("sqft", InputReason.NotFinite, "sqft is NaN")]) },
        ];
        var response = new EstimateResponse("price", 3, 2, 1, 1, results) { Alias = "challenger" };
        var http = fixture.Factory.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

        var wire = JsonSerializer.Serialize(response, http);

        Assert.Equal(wire, JsonSerializer.Serialize(response, ValuationJsonContext.Default.EstimateResponse));
        Assert.Contains("\"model_version\":3", wire, StringComparison.Ordinal);
        Assert.DoesNotContain("null", wire, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Comparables_are_added_on_request()
    {
        var (status, body) = await EstimateAsync(SacramentoData.Request(SacramentoData.Rows(2)), "?comparables=3");

        Assert.Equal(HttpStatusCode.OK, status);
        foreach (var result in body.GetProperty("results").EnumerateArray())
        {
            var comparables = result.GetProperty("comparables").EnumerateArray().ToList();
            Assert.Equal(3, comparables.Count);
            Assert.All(comparables, c => Assert.True(c.GetProperty("price").GetDouble() > 0));
            // Coordinates of each comparable (the dashboard maps them beside the subject).
            Assert.All(comparables, c => Assert.InRange(c.GetProperty("latitude").GetDouble(), -90, 90));
            Assert.All(comparables, c => Assert.InRange(c.GetProperty("longitude").GetDouble(), -180, 180));
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await EstimateAsync(SacramentoData.Request(SacramentoData.Rows(1)), "?comparables=1000")).Status);
    }

    [Fact]
    public async Task Each_bad_input_class_gets_a_row_problem_naming_the_field_while_good_rows_are_estimated()
    {
        var rows = SacramentoData.Rows(7).ToList();
        rows[1].Remove("sqft");
        rows[2]["sqft"] = "NaN";
        rows[3]["sqft"] = 1_000_000;
        rows[4]["type"] = "Castle";
        rows[5]["latitude"] = "Infinity";
        rows[6]["longitude"] = 10.75; // Oslo: far outside the Sacramento sales the model learned from.

        var (status, body) = await EstimateAsync(SacramentoData.Request(rows));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        Assert.Equal(6, body.GetProperty("rejected").GetInt32());
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal("ok", results[0].GetProperty("status").GetString());
        (string Field, string Reason)[] expected =
            [("sqft", "missing_feature"), ("sqft", "not_finite"), ("sqft", "out_of_range"), ("type", "unknown_category"), ("latitude", "not_finite"),
                ("longitude", "out_of_range")];
        for (var i = 0; i < expected.Length; i++)
        {
            var result = results[i + 1];
            Assert.Equal("rejected", result.GetProperty("status").GetString());
            Assert.False(result.TryGetProperty("estimate", out _));
            var problem = result.GetProperty("problem");
            Assert.Equal(422, problem.GetProperty("status").GetInt32());
            Assert.Equal(expected[i].Field, problem.GetProperty("field").GetString());
            Assert.Equal(expected[i].Reason, problem.GetProperty("reason").GetString());
            Assert.StartsWith("https://", problem.GetProperty("type").GetString());
            Assert.Contains(expected[i].Field, problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Nothing_valid_is_422_with_every_rows_problem()
    {
        var rows = SacramentoData.Rows(2).ToList();
        rows[0]["type"] = "Castle";
        rows[1].Remove("beds");

        using var response = await _client.PostAsJsonAsync("/estimate", SacramentoData.Request(rows));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["type", "beds"], body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("problem").GetProperty("field").GetString()));
    }

    [Fact]
    public async Task More_rows_than_the_batch_limit_is_413()
    {
        var row = SacramentoData.Rows(1)[0];
        var (status, body) = await EstimateAsync(SacramentoData.Request(Enumerable.Repeat(row, 1_001)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("properties", body.GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.OK, (await EstimateAsync(SacramentoData.Request(Enumerable.Repeat(row, 1_000)))).Status);
    }

    [Fact]
    public async Task Malformed_bodies_are_400_problems()
    {
        using var notJson = await _client.PostAsync("/estimate", new StringContent("{ \"properties\": [", System.Text.Encoding.UTF8, "application/json"));
        using var noArray = await _client.PostAsJsonAsync("/estimate", new { rows = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noArray.StatusCode);
        Assert.Contains("properties", await noArray.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_estimate_request_event_is_answered_on_the_estimates_topic()
    {
        var publisher = fixture.Factory.Services.GetRequiredService<IEventPublisher>();
        var data = new JsonObject { ["tenant_id"] = ValuationApiFactory.Tenant, ["request_id"] = "stream-1", ["properties"] = SacramentoData.Request(SacramentoData.Rows(3))["properties"]!.DeepClone() };

        var eventId = await publisher.PublishAsync(Topics.EstimateRequests, data);
        var answer = await fixture.Factory.Events.WaitForAsync(Topics.Estimates,
            e => e.Data.GetProperty("request_id").GetString() == "stream-1", TimeSpan.FromSeconds(10));

        Assert.Equal(eventId, answer.Data.GetProperty("request_event_id").GetString());
        Assert.Equal("1.0", answer.SpecVersion);
        var response = answer.Data.GetProperty("response");
        Assert.Equal(3, response.GetProperty("accepted").GetInt32());
        Assert.All(response.GetProperty("results").EnumerateArray(), r => Assert.True(r.GetProperty("estimate").GetDouble() > 0));
    }

    [Fact]
    public async Task Model_info_metrics_and_quality_summary_describe_the_champion()
    {
        var info = await _client.GetFromJsonAsync<JsonElement>("/model/info");
        var metrics = await _client.GetFromJsonAsync<JsonElement>("/metrics");
        using var summary = await _client.GetAsync("/metrics/summary");

        Assert.Equal(fixture.Champion.Version, info.GetProperty("version").GetInt32());
        Assert.Contains(info.GetProperty("features").EnumerateArray(), f => f.GetProperty("name").GetString() == "sqft" && f.GetProperty("kind").GetString() == "numeric");
        Assert.Equal(fixture.Champion.Metrics.Count, metrics.GetProperty("metrics").EnumerateObject().Count());
        Assert.Equal(HttpStatusCode.OK, summary.StatusCode);
        Assert.Equal("text/markdown", summary.Content.Headers.ContentType?.MediaType);
        var markdown = await summary.Content.ReadAsStringAsync();
        Assert.Contains("MdAPE", markdown);
        foreach (var part in new[] { "## Ratio study (IAAO)", "median ratio | COD | PRD | PRB", "## Prediction intervals", "## Tuning and blend" })
            Assert.Contains(part, markdown);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/ready")).StatusCode);
    }
}
