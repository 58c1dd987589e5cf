using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Testing;

namespace Platform.Valuation.Api.Tests;

/// <summary>A fresh host with an empty registry: nothing to serve yet, and it says so.</summary>
public sealed class NoModelTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IDisposable
{
    private readonly ValuationApiFactory _factory = new(database.ConnectionString);

    [Fact]
    public async Task Estimate_before_any_model_is_503_with_retry_after()
    {
        using var client = _factory.CreateClient();

        using var response = await client.PostAsJsonAsync("/estimate", new { properties = new[] { new { property_id = "a", sqft = 1000 } } });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Liveness_passes_but_readiness_fails_without_a_model()
    {
        using var client = _factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/model/info")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Admin_and_registry_changes_need_the_api_key()
    {
        using var anonymous = _factory.CreateAnonymousClient();
        using var tenant = _factory.CreateClient();
        using var admin = _factory.CreateAdminClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/admin/reload", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/registry/price/aliases/champion", new { version = 1 })).StatusCode);
        // With the key the request gets through to the registry, which has no such version.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync("/registry/price/aliases/champion", new { version = 1 })).StatusCode);
        // A tenant's credential moves no alias; any credential reads the registry, none at all does not.
        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.PostAsJsonAsync("/registry/price/aliases/champion", new { version = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await tenant.GetAsync("/registry/price/versions")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/registry/price/versions")).StatusCode);
    }

    [Fact]
    public async Task Request_id_is_taken_from_the_caller_or_generated_and_echoed()
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/estimate") { Content = JsonContent.Create(new { properties = Array.Empty<object>() }) };
        request.Headers.Add("X-Request-Id", "req-123");

        using var withId = await client.SendAsync(request);
        using var withoutId = await client.GetAsync("/model/info");

        Assert.Equal("req-123", withId.Headers.GetValues("X-Request-Id").Single());
        using var problem = JsonDocument.Parse(await withId.Content.ReadAsStringAsync());
        Assert.Equal("req-123", problem.RootElement.GetProperty("requestId").GetString());
        Assert.Matches("^[0-9a-f]{32}$", withoutId.Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task Prometheus_output_parses_and_counts_requests_by_route_and_status()
    {
        using var client = _factory.CreateClient();
        await client.PostAsJsonAsync("/estimate", new { properties = new[] { new { property_id = "a" } } });

        IReadOnlyList<PrometheusSample> samples = [];
        for (var attempt = 0; attempt < 20; attempt++)
        {
            // The exporter caches a scrape briefly; wait for one that includes the request.
            samples = PrometheusText.Parse(await client.GetStringAsync("/metrics/prometheus"));
            if (samples.Any(IsEstimate503))
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Contains(samples, IsEstimate503);
        Assert.Contains(samples, s => s.Name == "http_server_request_duration_seconds_bucket" && s.Labels.ContainsKey("le"));

        static bool IsEstimate503(PrometheusSample s) => s.Name == "http_server_request_duration_seconds_count"
            && s.Labels.GetValueOrDefault("http_route") == "/estimate" && s.Labels.GetValueOrDefault("http_response_status_code") == "503"
            && s.Value >= 1;
    }

    public void Dispose() => _factory.Dispose();
}
