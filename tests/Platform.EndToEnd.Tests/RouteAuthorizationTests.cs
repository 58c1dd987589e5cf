using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Tenancy;
using Platform.Host;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Every route of the all-in-one host, enumerated from its endpoint data sources (so a route added later without a scope fails
/// here): anonymous only where meant to be, 401 without a credential, 403 without the route's scope, and on every tenant route the
/// tenant is the credential's whatever headers the caller sends. Development mode is off, as in production.
/// </summary>
public sealed partial class RouteAuthorizationTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private const string AdminKey = "route-auth-admin-key";

    // Meant to be open: liveness, readiness, scraping, the API description and its UI.
    private static readonly string[] AnonymousRoutes = ["/health", "/ready", "/metrics/prometheus", "/openapi/{documentName}.json"];

    private readonly DirectoryInfo _workspace = Directory.CreateTempSubdirectory("platform-route-auth-");
    // One record per request, written after it is answered; the client can read the response before the record exists.
    private readonly Channel<(string Path, TenantScope? Tenant, int Status)> _seen = Channel.CreateUnbounded<(string, TenantScope?, int)>();
    private IDisposable? _recorder;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var url = $"http://127.0.0.1:{Loopback.FreePort()}";
        _app = PlatformHost.Build(
        [
            "--urls", url,
            $"--ConnectionStrings:Postgres={database.ConnectionString}",
            $"--Platform:Embedded:ArtifactsPath={Path.Combine(_workspace.FullName, "artifacts")}",
            $"--VectorIndex:Embedded:DataDirectory={Path.Combine(_workspace.FullName, "vectors")}",
            $"--Platform:ApiKeyFile={Path.Combine(_workspace.FullName, "api-key")}",
            $"--Platform:DemoTenantKeyFile={Path.Combine(_workspace.FullName, "demo-tenant-key")}",
            $"--Platform:ApiKeys:0={AdminKey}",
            "--Platform:Demo:Enabled=false",
            "--Platform:Chaos:Enabled=true",
            "--Logging:LogLevel:Default=Warning",
        ]);
        // Records which tenant each request acted for, after it is answered, whichever step answered it (the tenant step refuses
        // before the endpoint): hosting's request-stop event sees every request.
        _recorder = _app.Services.GetRequiredService<DiagnosticListener>().Subscribe(
            new RequestRecorder(_seen.Writer), name => name.StartsWith(RequestRecorder.ActivityName, StringComparison.Ordinal));
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _recorder?.Dispose();
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _workspace.Delete(recursive: true);
    }

    private IReadOnlyList<RouteEndpoint> Routes => [.. _app.Services.GetServices<EndpointDataSource>()
        .SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().DistinctBy(e => (e.RoutePattern.RawText, Methods(e).FirstOrDefault()))];

    [Fact]
    public void Every_route_needs_a_credential_except_health_metrics_openapi_docs_and_the_dashboard_sign_in()
    {
        var open = Routes.Where(e => !Protected(e)).Select(e => e.RoutePattern.RawText!).ToList();
        var unexpected = open.Where(p => !AnonymousRoutes.Contains(p) && !p.StartsWith("/docs", StringComparison.Ordinal)
            && p.TrimStart('/') != "dashboard/signin").ToList();

        Assert.Empty(unexpected);
        Assert.Contains(Routes, e => e.RoutePattern.RawText == "/recommend");
        Assert.Contains(Routes, e => e.RoutePattern.RawText == "/estimate");
        Assert.Contains(Routes, e => e.RoutePattern.RawText == "/admin/keys/");
    }

    [Fact]
    public async Task Every_scoped_route_is_401_without_a_credential_and_403_with_a_credential_lacking_its_scope()
    {
        var scoped = Routes.Where(e => e.Metadata.GetMetadata<RequiredScopes>() is not null).ToList();
        Assert.True(scoped.Count >= 30, $"only {scoped.Count} scoped routes found");
        var store = _app.Services.GetRequiredService<ApiKeyStore>();
        var failures = new List<string>();
        foreach (var endpoint in scoped)
        {
            var required = endpoint.Metadata.GetMetadata<RequiredScopes>()!.AnyOf;
            foreach (var method in Methods(endpoint))
            {
                using (var anonymous = await SendAsync(method, endpoint, credential: null))
                {
                    Check(failures, endpoint, method, "no credential", anonymous, HttpStatusCode.Unauthorized);
                }

                if (required.Count == 0)
                {
                    continue;
                }

                var others = PlatformScopes.Tenant.Except(required).ToList();
                if (others.Count > 0)
                {
                    var key = (await store.CreateAsync("alpha", others, null)).Key;
                    using var lacking = await SendAsync(method, endpoint, key);
                    Check(failures, endpoint, method, $"key with {string.Join(' ', others)}", lacking, HttpStatusCode.Forbidden);
                }

                if (!required.Contains(PlatformScopes.Admin))
                {
                    using var admin = await SendAsync(method, endpoint, AdminKey);
                    Check(failures, endpoint, method, "admin key", admin, HttpStatusCode.Forbidden);
                }
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task On_every_tenant_route_a_key_of_tenant_a_acts_for_a_whatever_tenant_header_it_sends()
    {
        // Routes a tenant's own credential may call (the admin-only ones, alias moves and reload, act on a tenant the admin names).
        var tenantRoutes = Routes.Where(e => e.Metadata.GetMetadata<TenantScopedEndpoint>() is not null
            && e.Metadata.GetMetadata<RequiredScopes>()?.AnyOf.Any(PlatformScopes.Tenant.Contains) != false).ToList();
        Assert.True(tenantRoutes.Count >= 9, $"only {tenantRoutes.Count} tenant routes found");
        // Workflow runs belong to a tenant: a tenant's credential acts for its own tenant there too.
        Assert.Contains(tenantRoutes, e => e.RoutePattern.RawText == "/workflows/{instanceId}");
        Assert.Contains(tenantRoutes, e => e.RoutePattern.RawText == "/workflows/{name}/start");
        var alpha = (await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("alpha", PlatformScopes.Tenant, null)).Key;
        var failures = new List<string>();
        foreach (var endpoint in tenantRoutes)
        {
            Assert.NotNull(endpoint.Metadata.GetMetadata<RequiredScopes>());
            foreach (var method in Methods(endpoint))
            {
                foreach (var header in new string?[] { null, "alpha", "beta", "ALPHA", "alpha,beta", "beta,alpha" })
                {
                    using var response = await SendAsync(method, endpoint, alpha, header);
                    // No tenant seen: refused before the endpoint (authorization), so it acted for no tenant.
                    using var recorded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    var seen = await _seen.Reader.ReadAsync(recorded.Token);
                    if (seen.Tenant is { } acted && acted.TenantId != "alpha")
                    {
                        failures.Add($"{method} {endpoint.RoutePattern.RawText} with X-Tenant-Id {header}: acted for {acted.TenantId}");
                    }

                    if (header is not (null or "alpha"))
                    {
                        Check(failures, endpoint, method, $"alpha key, X-Tenant-Id {header}", response, HttpStatusCode.Forbidden);
                        if (seen.Tenant is not null)
                        {
                            failures.Add($"{method} {endpoint.RoutePattern.RawText} with X-Tenant-Id {header}: reached the handler");
                        }
                    }
                    else if (seen.Tenant is null)
                    {
                        failures.Add($"{method} {endpoint.RoutePattern.RawText} with X-Tenant-Id {header}: answered {(int)response.StatusCode} before acting for alpha");
                    }
                }
            }
        }

        Assert.Empty(failures);
    }

    private static bool Protected(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null
        && (endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0 || endpoint.Metadata.GetMetadata<AuthorizationPolicy>() is not null);

    private static IReadOnlyList<string> Methods(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];

    private async Task<HttpResponseMessage> SendAsync(string method, RouteEndpoint endpoint, string? credential, string? tenantHeader = null)
    {
        var path = RouteParameter().Replace(endpoint.RoutePattern.RawText!, m => m.Groups[1].Value.Contains(":int", StringComparison.Ordinal) ? "1" : "x");
        using var request = new HttpRequestMessage(new HttpMethod(method), path.StartsWith('/') ? path : "/" + path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        if (credential is not null)
        {
            request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, credential);
        }

        if (tenantHeader is not null)
        {
            request.Headers.TryAddWithoutValidation(TenantScope.HeaderName, tenantHeader);
        }

        // Headers only: a stream route that is let through must not hold the test open.
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static void Check(List<string> failures, RouteEndpoint endpoint, string method, string with, HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            failures.Add($"{method} {endpoint.RoutePattern.RawText} with {with}: {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}, expected {(int)expected} problem+json");
        }
    }

    [GeneratedRegex(@"\{\*{0,2}([^}]+)\}")]
    private static partial Regex RouteParameter();

    private sealed class RequestRecorder(ChannelWriter<(string Path, TenantScope? Tenant, int Status)> seen) : IObserver<KeyValuePair<string, object?>>
    {
        public const string ActivityName = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == ActivityName + ".Stop" && value.Value is HttpContext context)
            {
                seen.TryWrite((context.Request.Path, context.Features.Get<TenantScope>(), context.Response.StatusCode));
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
