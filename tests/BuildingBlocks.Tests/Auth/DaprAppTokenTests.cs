using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.BuildingBlocks.Tests.Auth;

/// <summary>
/// The Dapr app API token as a service credential (<see cref="DaprAppTokenAuthenticationHandler"/>) on a real host: the
/// sidecar's token plus <c>X-Tenant-Id</c> acts as <c>service:dapr</c> for that tenant with scope <c>estimate</c> only.
/// </summary>
public sealed class DaprAppTokenTests : IAsyncLifetime
{
    private const string Token = "dapr-app-token-of-the-tests-0123456789";

    private AuthHost _host = null!;

    public async Task InitializeAsync() => _host = await AuthHost.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Platform:Auth:DaprAppToken"] = Token,
        [RateLimitOptions.SectionName + ":PermitLimit"] = "6",
        [RateLimitOptions.SectionName + ":Window"] = "01:00:00",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_token_with_a_tenant_header_acts_for_that_tenant_as_the_dapr_service_identity()
    {
        using var client = Sidecar(_host, Token, tenant: "alpha");

        Assert.Equal("alpha", await client.GetStringAsync("/estimate-tenant"));
        Assert.Equal(PlatformCredentials.DaprServiceIdentity, await client.GetStringAsync("/identity"));
        using var other = Sidecar(_host, Token, tenant: "beta");
        Assert.Equal("beta", await other.GetStringAsync("/estimate-tenant"));
    }

    [Theory]
    [InlineData("not-the-token-at-all-0123456789")]
    [InlineData("dapr-app-token-of-the-tests-012345678")]
    [InlineData("dapr-app-token-of-the-tests-01234567890")]
    public async Task A_wrong_token_is_401_problem_details(string wrong)
    {
        using var client = Sidecar(_host, wrong, tenant: "alpha");

        using var estimate = await client.GetAsync("/estimate-tenant");
        using var identity = await client.GetAsync("/identity");

        Assert.Equal(HttpStatusCode.Unauthorized, estimate.StatusCode);
        Assert.Equal("application/problem+json", estimate.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, identity.StatusCode);
    }

    [Fact]
    public async Task The_service_identity_is_403_on_every_route_outside_its_scope()
    {
        using var client = Sidecar(_host, Token, tenant: "alpha");

        using var twin = await client.GetAsync("/tenant");
        using var admin = await client.GetAsync("/admin-only");
        using var keys = await client.GetAsync("/admin/keys");

        Assert.Equal(HttpStatusCode.Forbidden, twin.StatusCode);
        Assert.Equal("twin:read", (await twin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("required_scopes")[0].GetString());
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode);
    }

    [Fact]
    public async Task Without_a_tenant_header_the_service_identity_acts_for_no_tenant_and_a_bad_id_is_400()
    {
        using var none = Sidecar(_host, Token, tenant: null);
        using var refused = await none.GetAsync("/estimate-tenant");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("tenant_id", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());

        using var bad = Sidecar(_host, Token, tenant: "no/such tenant");
        using var invalid = await bad.GetAsync("/estimate-tenant");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("X-Tenant-Id", (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_caller_credential_sent_along_is_the_identity_and_the_token_adds_nothing_to_it()
    {
        using var admin = Sidecar(_host, Token, tenant: "alpha");
        admin.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, AuthHost.AdminKey);
        Assert.Equal(PlatformCredentials.AdminIdentity, await admin.GetStringAsync("/identity"));
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync("/estimate-tenant")).StatusCode);

        using var tenantToken = Sidecar(_host, Token, tenant: "alpha");
        tenantToken.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AuthHost.Token(scope: "twin:read"));
        Assert.Equal("user-1", await tenantToken.GetStringAsync("/identity"));
        Assert.Equal(HttpStatusCode.Forbidden, (await tenantToken.GetAsync("/estimate-tenant")).StatusCode);
    }

    [Fact]
    public async Task The_rate_limit_counts_the_service_identity_whatever_tenant_it_names()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var client = Sidecar(_host, Token, tenant: "tenant-" + i);
            using var response = await client.GetAsync("/estimate-tenant");
            statuses.Add(response.StatusCode);
        }

        // The limit is 6 per window for one identity; another identity still has its own.
        Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        using var admin = _host.Client(apiKey: AuthHost.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin-only")).StatusCode);
    }

    [Fact]
    public async Task Without_a_configured_token_the_header_authenticates_nobody()
    {
        await using var host = await AuthHost.StartAsync(settings: new Dictionary<string, string?>
        {
            // Explicitly empty, so an APP_API_TOKEN in the test runner's environment cannot switch it on.
            ["Platform:Auth:DaprAppToken"] = string.Empty,
        });
        using var client = Sidecar(host, Token, tenant: "alpha");

        using var estimate = await client.GetAsync("/estimate-tenant");
        using var identity = await client.GetAsync("/identity");

        Assert.Equal(HttpStatusCode.Unauthorized, estimate.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, identity.StatusCode);
    }

    [Fact]
    public async Task The_token_is_read_from_APP_API_TOKEN_as_daprd_is_given_it()
    {
        await using var host = await AuthHost.StartAsync(settings: new Dictionary<string, string?>
        {
            [PlatformAuthOptions.AppApiTokenVariable] = Token,
        });
        using var client = Sidecar(host, Token, tenant: "alpha");

        Assert.Equal("alpha", await client.GetStringAsync("/estimate-tenant"));
    }

    [Theory]
    [InlineData("short-token")]
    [InlineData("a token with spaces in it")]
    public async Task A_weak_or_malformed_token_stops_the_start_without_showing_it(string token)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Platform:Auth:DaprAppToken"] = token,
        }));

        Assert.Contains("DaprAppToken", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_is_never_logged_at_start_or_on_a_right_or_wrong_call()
    {
        var logs = new RecordingLogs();
        await using (var host = await AuthHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Platform:Auth:DaprAppToken"] = Token,
            ["Logging:LogLevel:Default"] = "Trace",
        }, logs: logs))
        {
            using var right = Sidecar(host, Token, tenant: "alpha");
            using var wrong = Sidecar(host, Token + "-wrong", tenant: "alpha");
            Assert.Equal(HttpStatusCode.OK, (await right.GetAsync("/estimate-tenant")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/estimate-tenant")).StatusCode);
        }

        // Not vacuous: the start-up line and the refusal were logged, without the token.
        Assert.Contains(logs.Messages, m => m.Contains(PlatformCredentials.DaprServiceIdentity, StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Contains("not this app's Dapr app API token", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Messages, m => m.Contains(Token, StringComparison.Ordinal));
    }

    private static HttpClient Sidecar(AuthHost host, string token, string? tenant)
    {
        var client = host.Client(tenantHeader: tenant);
        client.DefaultRequestHeaders.Add(DaprAppTokenAuthenticationHandler.HeaderName, token);
        return client;
    }
}

/// <summary>Every message logged, formatted, with its exception.</summary>
internal sealed class RecordingLogs : ILoggerProvider, ILogger
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

    public IReadOnlyCollection<string> Messages => _messages;

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _messages.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));

    public void Dispose()
    {
    }
}
