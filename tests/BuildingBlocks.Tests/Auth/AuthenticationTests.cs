using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Platform.BuildingBlocks.Tests.Auth;

/// <summary>Bearer tokens, the admin key and the development tenant header against a real host (no database needed).</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private AuthHost _host = null!;

    public async Task InitializeAsync() => _host = await AuthHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_valid_token_acts_for_its_tenant_as_its_subject()
    {
        using var client = _host.Client(bearer: AuthHost.Token());

        Assert.Equal("alpha", await client.GetStringAsync("/tenant"));
        Assert.Equal("user-1", await client.GetStringAsync("/identity"));
    }

    public static TheoryData<string, string> BadTokens() => new()
    {
        { "wrong issuer", AuthHost.Token(issuer: "https://evil.test") },
        { "wrong audience", AuthHost.Token(audience: "another-api") },
        { "wrong signature", AuthHost.Token(key: Encoding.UTF8.GetBytes("another-signing-key-of-32-bytes!!!!!")) },
        { "expired", AuthHost.Token(expires: DateTime.UtcNow.AddMinutes(-5)) },
        { "no subject", AuthHost.Token(subject: null) },
        { "not a token", "not.a.token" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_token_with_a_wrong_issuer_audience_signature_or_lifetime_is_401_problem_details(string why, string token)
    {
        using var client = _host.Client(bearer: token);

        using var response = await client.GetAsync("/tenant");

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, why);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_credential_is_401_and_a_token_without_the_scope_is_403_naming_it()
    {
        using var anonymous = _host.Client();
        using var refused = await anonymous.GetAsync("/tenant");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var estimator = _host.Client(bearer: AuthHost.Token(scope: "estimate"));
        using var forbidden = await estimator.GetAsync("/tenant");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var problem = await forbidden.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("scope", problem.GetProperty("field").GetString());
        Assert.Equal("twin:read", problem.GetProperty("required_scopes")[0].GetString());
    }

    [Fact]
    public async Task A_tenant_header_that_disagrees_with_the_token_is_403_and_one_that_agrees_is_fine()
    {
        using var other = _host.Client(bearer: AuthHost.Token(), tenantHeader: "beta");
        using var forbidden = await other.GetAsync("/tenant");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("X-Tenant-Id", (await forbidden.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());

        using var same = _host.Client(bearer: AuthHost.Token(), tenantHeader: "alpha");
        Assert.Equal("alpha", await same.GetStringAsync("/tenant"));
    }

    [Fact]
    public async Task A_token_without_a_tenant_reaches_no_tenant_route()
    {
        using var client = _host.Client(bearer: AuthHost.Token(tenant: null));

        using var response = await client.GetAsync("/tenant");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task The_admin_key_opens_admin_routes_but_no_tenant_route_whatever_header_it_sends()
    {
        using var admin = _host.Client(apiKey: AuthHost.AdminKey, tenantHeader: "alpha");

        Assert.Equal("ok", await admin.GetStringAsync("/admin-only"));
        Assert.Equal("admin", await admin.GetStringAsync("/identity"));
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync("/tenant")).StatusCode);

        using var tenant = _host.Client(bearer: AuthHost.Token(scope: "twin:read twin:write estimate workflows"));
        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.GetAsync("/admin-only")).StatusCode);
    }

    [Fact]
    public async Task Without_development_mode_the_tenant_header_alone_is_no_credential_and_a_random_key_is_401()
    {
        using var header = _host.Client(tenantHeader: "alpha");
        Assert.Equal(HttpStatusCode.Unauthorized, (await header.GetAsync("/tenant")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await header.GetAsync("/identity")).StatusCode);

        using var random = _host.Client(apiKey: Guid.NewGuid().ToString("N"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await random.GetAsync("/identity")).StatusCode);
    }

    [Fact]
    public async Task In_development_mode_the_header_alone_acts_for_the_tenant_without_admin()
    {
        await using var dev = await AuthHost.StartAsync(settings: new Dictionary<string, string?> { ["Platform:Auth:AllowTenantHeader"] = "true" });

        using var header = dev.Client(tenantHeader: "alpha");
        Assert.Equal("alpha", await header.GetStringAsync("/tenant"));
        Assert.Equal("dev:alpha", await header.GetStringAsync("/identity"));
        Assert.Equal(HttpStatusCode.Forbidden, (await header.GetAsync("/admin-only")).StatusCode);

        // The header is still checked as a tenant id.
        using var malformed = dev.Client(tenantHeader: "not a tenant!");
        Assert.Equal(HttpStatusCode.BadRequest, (await malformed.GetAsync("/tenant")).StatusCode);

        // A credential still wins over the header.
        using var token = dev.Client(bearer: AuthHost.Token(), tenantHeader: "beta");
        Assert.Equal(HttpStatusCode.Forbidden, (await token.GetAsync("/tenant")).StatusCode);
    }
}
