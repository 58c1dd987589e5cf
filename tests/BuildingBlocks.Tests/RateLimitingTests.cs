using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.BuildingBlocks.Tests;

/// <summary>
/// The global limiter on a real loopback host: it counts the authenticated identity (here a cookie the host issued and
/// verifies; the platform's own schemes are bearer tokens and API keys), else the client address, and nothing a caller merely sends.
/// </summary>
public sealed class RateLimitingTests : IAsyncLifetime
{
    private const int PermitLimit = 4;

    private ServiceDefaultsHost _host = null!;
    private Uri _url = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceDefaultsHost.StartAsync(
            new Dictionary<string, string?>
            {
                [$"{RateLimitOptions.SectionName}:PermitLimit"] = $"{PermitLimit}",
                [$"{RateLimitOptions.SectionName}:Window"] = "01:00:00",
                ["Platform:Auth:AllowTenantHeader"] = "true",
            },
            configure: builder => builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(),
            map: app =>
            {
                app.MapPost("/login/{name}", async (string name, HttpContext context) =>
                {
                    await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, name)], "test")));
                    return TypedResults.Ok();
                });
                app.MapGet("/who", (HttpContext context) => TypedResults.Ok(context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "anonymous"));
            },
            loopback: true);
        _url = _host.Url!;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_random_api_key_token_tenant_or_forwarded_address_per_request_does_not_escape_the_limit()
    {
        using var client = new HttpClient { BaseAddress = _url };
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5 * PermitLimit; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/who");
            request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, Guid.NewGuid().ToString("N"));
            request.Headers.Add("Authorization", $"Bearer {Guid.NewGuid():N}");
            request.Headers.Add("X-Tenant-Id", $"t{i}");
            request.Headers.Add("X-Forwarded-For", $"10.0.0.{i}");
            using var response = await client.SendAsync(request);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await AssertTooManyAsync(response);
            }
        }

        Assert.Equal(PermitLimit, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(4 * PermitLimit, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Each_authenticated_identity_has_its_own_budget_and_a_forged_credential_counts_as_its_address()
    {
        using var alice = await SignedInAsync("alice");
        using var bob = await SignedInAsync("bob");
        using var anonymous = new HttpClient { BaseAddress = _url };

        // The two sign-ins spent two of the address's permits; each identity spent one of its own on checking who it is.
        Assert.Equal(PermitLimit - 1, await CountOkAsync(alice, 2 * PermitLimit));
        Assert.Equal(PermitLimit - 1, await CountOkAsync(bob, 2 * PermitLimit));
        Assert.Equal(PermitLimit - 2, await CountOkAsync(anonymous, 2 * PermitLimit));

        using var forged = new HttpRequestMessage(HttpMethod.Get, "/who");
        forged.Headers.Add("Cookie", $".AspNetCore.Cookies={Guid.NewGuid():N}");
        using var refused = await anonymous.SendAsync(forged);
        await AssertTooManyAsync(refused);
    }

    [Fact]
    public async Task Health_and_metrics_stay_reachable_when_the_budget_is_spent_and_unknown_paths_are_limited_too()
    {
        using var client = new HttpClient { BaseAddress = _url };
        Assert.Equal(PermitLimit, await CountOkAsync(client, PermitLimit));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/metrics/prometheus")).StatusCode);
        await AssertTooManyAsync(await client.GetAsync("/no-such-route"));
        await AssertTooManyAsync(await client.GetAsync("/openapi/v1.json"));
    }

    [Theory]
    [InlineData("PermitLimit", "0")]
    [InlineData("Window", "00:00:00")]
    public async Task Invalid_rate_limits_stop_the_host_at_start(string setting, string value)
    {
        // Kestrel reads its limits when the host is built, the limiter when it starts: either way the host never serves.
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var host = await ServiceDefaultsHost.StartAsync(
                new Dictionary<string, string?> { [$"{RateLimitOptions.SectionName}:{setting}"] = value }, loopback: true);
        });

        Assert.Contains(RateLimitOptions.SectionName, failure.Message);
    }

    private async Task<HttpClient> SignedInAsync(string name)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = _url };
        (await client.PostAsync($"/login/{name}", null)).EnsureSuccessStatusCode();
        Assert.Equal($"\"{name}\"", await client.GetStringAsync("/who"));
        return client;
    }

    private static async Task<int> CountOkAsync(HttpClient client, int requests)
    {
        var ok = 0;
        for (var i = 0; i < requests; i++)
        {
            using var response = await client.GetAsync("/who");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                ok++;
            }
            else
            {
                await AssertTooManyAsync(response);
            }
        }

        return ok;
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is set");
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(PermitLimit, problem.RootElement.GetProperty("permitLimit").GetInt32());
    }
}

/// <summary>Who a request counts against, on the contexts the server builds.</summary>
public sealed class RateLimitClientTests
{
    [Theory]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2:bbbb::2", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("203.0.113.7", "::ffff:203.0.113.7", true)]
    [InlineData("203.0.113.7", "203.0.113.8", false)]
    public void Addresses_count_by_ipv4_address_or_ipv6_64_network(string first, string second, bool same)
    {
        var a = RateLimitClient.Of(Context(first));
        var b = RateLimitClient.Of(Context(second));

        Assert.Equal(same, a == b);
        Assert.Null(a.Identity);
    }

    [Fact]
    public void An_authenticated_identity_counts_whatever_its_address_and_an_unauthenticated_claim_does_not()
    {
        var verified = Context("203.0.113.7", new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "key:abc")], "ApiKey"));
        var unverified = Context("203.0.113.7", new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "key:abc")]));

        Assert.Equal(new RateLimitClient("key:abc", null), RateLimitClient.Of(verified));
        Assert.Equal(new RateLimitClient(null, IPAddress.Parse("203.0.113.7")), RateLimitClient.Of(unverified));
    }

    private static DefaultHttpContext Context(string address, ClaimsIdentity? identity = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        if (identity is not null)
        {
            context.User = new ClaimsPrincipal(identity);
        }

        return context;
    }
}
