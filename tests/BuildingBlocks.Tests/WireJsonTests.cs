using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Hosting;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.BuildingBlocks.Tests;

/// <summary>
/// The one HTTP JSON configuration of a host: types of the assemblies a module declares as wire contracts are snake_case,
/// without nulls, numbers strict, in answers, bound bodies and the OpenAPI document; types of other assemblies keep the web
/// defaults (the workflow API's camelCase), in the same host.
/// </summary>
public sealed class WireJsonTests : IAsyncLifetime
{
    private ServiceDefaultsHost _host = null!;
    private HttpClient _client = null!;

    public sealed record PriceQuote(string PropertyId, double AskingPrice, string? Note, [property: JsonPropertyName("eur")] bool InEuro);

    public sealed record QuoteRequest(string PropertyId, int BedroomCount);

    public async Task InitializeAsync()
    {
        _host = await ServiceDefaultsHost.StartAsync(
            configure: builder => builder.Services.AddWireContracts(typeof(WireJsonTests).Assembly),
            map: app =>
            {
                app.MapGet("/quote", () => TypedResults.Ok(new PriceQuote("p-1", 250_000, null, true)));
                app.MapPost("/quote", (QuoteRequest request) => TypedResults.Ok(new PriceQuote(request.PropertyId, request.BedroomCount * 100_000, "from body", false)));
                // A type of another assembly (Microsoft.Extensions.Hosting): web defaults, as the workflow API's records have.
                app.MapGet("/other", () => TypedResults.Ok(new HostOptions { ShutdownTimeout = TimeSpan.FromSeconds(3) }));
            });
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task A_wire_contract_is_answered_in_snake_case_without_nulls_keeping_explicit_names()
    {
        var json = await _client.GetStringAsync("/quote");

        Assert.Equal("""{"property_id":"p-1","asking_price":250000,"eur":true}""", json);
    }

    [Fact]
    public async Task A_wire_contract_body_binds_from_snake_case_and_refuses_numbers_in_strings()
    {
        using var bound = await _client.PostAsJsonAsync("/quote", new { property_id = "p-2", bedroom_count = 3 });
        using var quoted = await _client.PostAsJsonAsync("/quote", new { property_id = "p-2", bedroom_count = "3" });

        Assert.Equal("""{"property_id":"p-2","asking_price":300000,"note":"from body","eur":false}""", await bound.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, quoted.StatusCode);
    }

    [Fact]
    public async Task Types_of_other_assemblies_keep_the_web_defaults_in_the_same_host()
    {
        using var json = JsonDocument.Parse(await _client.GetStringAsync("/other"));

        Assert.True(json.RootElement.TryGetProperty("shutdownTimeout", out _));
        Assert.False(json.RootElement.TryGetProperty("shutdown_timeout", out _));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_wire_the_host_answers_with()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");

        Assert.Equal(["asking_price", "eur", "note", "property_id"],
            schemas.GetProperty(nameof(PriceQuote)).GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["bedroom_count", "property_id"],
            schemas.GetProperty(nameof(QuoteRequest)).GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains("shutdownTimeout", schemas.GetProperty(nameof(HostOptions)).GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void The_wire_options_for_clients_and_events_write_the_same_shape()
    {
        Assert.Equal("""{"property_id":"p-1","asking_price":250000,"eur":true}""",
            JsonSerializer.Serialize(new PriceQuote("p-1", 250_000, null, true), WireJson.Options));
    }
}
