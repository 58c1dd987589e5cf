using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.BuildingBlocks.Tests.Auth;
using Platform.Testing;

namespace Platform.BuildingBlocks.Tests.Audit;

/// <summary>
/// The <c>Audited()</c> filter and <c>GET /admin/audit</c> on a real ASP.NET host with the service defaults and the PostgreSQL
/// audit log and the platform's authentication (admin key, JWT bearer tokens, development-mode tenant header).
/// </summary>
public sealed class AuditedRoutesTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private const string ApiKey = "audit-test-key";
    private const string Action = "test.thing.change";
    private ServiceDefaultsHost _host = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceDefaultsHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Platform:ApiKeys:0"] = ApiKey,
                ["Platform:Auth:AllowTenantHeader"] = "true",
                ["Platform:Auth:Jwt:Issuer"] = AuthHost.Issuer,
                ["Platform:Auth:Jwt:Audience"] = AuthHost.Audience,
                ["Platform:Auth:Jwt:SigningKeys:0"] = Convert.ToBase64String(AuthHost.SigningKey),
            },
            configure: builder =>
            {
                builder.Services.AddSingleton(database.DataSource);
                builder.Services.AddAuditLog();
            },
            map: app =>
            {
                app.MapPost("/things/{id}", (string id) => id switch
                    {
                        "missing" => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such thing."),
                        "busy" => throw new ProblemException(StatusCodes.Status503ServiceUnavailable, "Busy.", "Come back later."),
                        "bug" => throw new InvalidOperationException("broken"),
                        _ => TypedResults.Ok(new ThingChanged(id, 7)),
                    })
                    .RequireCredential()
                    .Audited(Action, "things/{id}", call => call.Value is ThingChanged changed ? new Dictionary<string, object?> { ["version"] = changed.Version } : null);
                app.MapPost("/tenant-things", (HttpContext context) => TypedResults.Ok(TenantScope.Of(context).TenantId))
                    .RequireScope(PlatformScopes.TwinWrite)
                    .RequireTenant()
                    .Audited("test.tenant_thing", call => TenantScope.Of(call.Http).TenantId);
                app.MapAuditEndpoints();
            });
        _admin = _host.CreateClient();
        _admin.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, ApiKey);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
    }

    private sealed record ThingChanged(string Id, int Version);

    [Fact]
    public async Task A_done_action_is_recorded_with_the_caller_s_identity_and_tenant_and_its_detail()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/things/done-1");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            AuthHost.Token(tenant: "acme", scope: PlatformScopes.TwinWrite, subject: "user-42"));
        using var caller = _host.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await caller.SendAsync(request)).StatusCode);

        var entry = await SingleEntryAsync("things/done-1");
        Assert.Equal(("user-42", "acme", "succeeded", 200), (entry.GetProperty("identity").GetString(), entry.GetProperty("tenant_id").GetString(),
            entry.GetProperty("outcome").GetString(), entry.GetProperty("status_code").GetInt32()));
        Assert.Equal(7, entry.GetProperty("detail").GetProperty("version").GetInt32());
        Assert.True(entry.GetProperty("occurred_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task The_admin_key_is_recorded_as_admin_and_a_platform_wide_action_has_no_tenant()
    {
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync("/things/admin-1", null)).StatusCode);

        var entry = await SingleEntryAsync("things/admin-1");
        Assert.Equal(PlatformCredentials.AdminIdentity, entry.GetProperty("identity").GetString());
        Assert.False(entry.TryGetProperty("tenant_id", out _));
    }

    [Fact]
    public async Task Refused_and_failed_actions_are_recorded_with_their_outcome_and_status_but_no_detail()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync("/things/missing", null)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _admin.PostAsync("/things/busy", null)).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await _admin.PostAsync("/things/bug", null)).StatusCode);

        foreach (var (target, outcome, status) in new[] { ("things/missing", "rejected", 404), ("things/busy", "failed", 503), ("things/bug", "failed", 500) })
        {
            var entry = await SingleEntryAsync(target);
            Assert.Equal((outcome, status), (entry.GetProperty("outcome").GetString(), entry.GetProperty("status_code").GetInt32()));
            Assert.False(entry.TryGetProperty("detail", out _), target);
        }
    }

    [Fact]
    public async Task A_caller_without_a_credential_is_refused_before_anything_is_recorded_and_only_admins_read_the_log()
    {
        using var anonymous = _host.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/things/no-key-1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(AuditEndpoints.Route)).StatusCode);
        using var tenantCaller = _host.CreateClient();
        tenantCaller.DefaultRequestHeaders.Add(TenantScope.HeaderName, "not-an-admin");
        Assert.Equal(HttpStatusCode.Forbidden, (await tenantCaller.GetAsync(AuditEndpoints.Route)).StatusCode);

        Assert.Empty(await EntriesAsync("things/no-key-1"));
    }

    [Fact]
    public async Task A_tenant_scoped_action_records_the_request_s_tenant()
    {
        // Development mode: the header alone acts for the tenant (the admin key has no tenant, so it is not sent).
        using var developer = _host.CreateClient();
        developer.DefaultRequestHeaders.Add(TenantScope.HeaderName, "tenant-scoped-7");
        Assert.Equal(HttpStatusCode.OK, (await developer.PostAsync("/tenant-things", null)).StatusCode);

        var page = await _admin.GetFromJsonAsync<JsonElement>($"{AuditEndpoints.Route}?tenant=tenant-scoped-7&action=test.tenant_thing");
        var entry = Assert.Single(page.GetProperty("entries").EnumerateArray());
        Assert.Equal("tenant-scoped-7", entry.GetProperty("target").GetString());
        Assert.NotEqual(AuditIdentity.Anonymous, entry.GetProperty("identity").GetString());
    }

    [Fact]
    public async Task The_route_pages_with_next_before_until_the_last_page()
    {
        for (var i = 0; i < 3; i++)
        {
            await _admin.PostAsync($"/things/page-{i}", null);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _admin.GetFromJsonAsync<JsonElement>($"{AuditEndpoints.Route}?action={Action}&limit=2{(cursor is null ? "" : "&before=" + cursor)}");
            seen.AddRange(page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("target").GetString()!));
            cursor = page.TryGetProperty("next_before", out var next) ? next.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        }
        while (cursor is not null);

        var pages = seen.Where(t => t.StartsWith("things/page-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["things/page-2", "things/page-1", "things/page-0"], pages);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Theory]
    [InlineData("tenant=bad%0Atenant", "tenant")]
    [InlineData("action=DROP", "action")]
    [InlineData("since=yesterday", "since")]
    [InlineData("since=0001-01-01T00:00:00Z", "since")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("before=-3", "before")]
    public async Task A_bad_filter_is_a_400_problem_naming_it(string query, string field)
    {
        using var response = await _admin.GetAsync($"{AuditEndpoints.Route}?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    private async Task<JsonElement> SingleEntryAsync(string target) => Assert.Single(await EntriesAsync(target));

    private async Task<List<JsonElement>> EntriesAsync(string target)
    {
        var page = await _admin.GetFromJsonAsync<JsonElement>($"{AuditEndpoints.Route}?action={Action}&limit=1000");
        return [.. page.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("target").GetString() == target)];
    }
}
