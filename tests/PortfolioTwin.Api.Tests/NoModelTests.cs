using System.Net;
using Platform.Testing;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>Before any twin is deployed: not ready, and scoring answers 503 with Retry-After instead of failing.</summary>
public sealed class NoModelTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Scoring_is_503_with_retry_after_and_the_service_is_not_ready()
    {
        await using var factory = new TwinApiFactory(database.ConnectionString);
        using var client = factory.CreateTenantClient("alpha");

        var response = await client.PostJsonAsync("/recommend", new { user_id = "u00" });

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }
}
