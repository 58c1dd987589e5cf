using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Tests.Auth;

/// <summary>A real ASP.NET host with the service defaults (so the platform's authentication) and a few routes to call.</summary>
public sealed class AuthHost : IAsyncDisposable
{
    public const string AdminKey = "auth-tests-admin-key";
    public const string Issuer = "https://issuer.test";
    public const string Audience = "platform-api";
    public static readonly byte[] SigningKey = Encoding.UTF8.GetBytes("auth-tests-signing-key-of-32-bytes!!");

    private readonly ServiceDefaultsHost _host;

    private AuthHost(ServiceDefaultsHost host, FakeTimeProvider time)
    {
        _host = host;
        Time = time;
    }

    public WebApplication App => _host.App;

    public FakeTimeProvider Time { get; }

    /// <param name="map">More routes to call, mapped beside the host's own.</param>
    public static async Task<AuthHost> StartAsync(
        string? connectionString = null, IReadOnlyDictionary<string, string?>? settings = null, ILoggerProvider? logs = null,
        Action<WebApplication>? map = null)
    {
        var hostSettings = new Dictionary<string, string?>
        {
            ["Platform:ApiKeys:0"] = AdminKey,
            ["Platform:Auth:Jwt:Issuer"] = Issuer,
            ["Platform:Auth:Jwt:Audience"] = Audience,
            ["Platform:Auth:Jwt:SigningKeys:0"] = Convert.ToBase64String(SigningKey),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            hostSettings[key] = value;
        }

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var host = await ServiceDefaultsHost.StartAsync(
            hostSettings,
            configure: builder =>
            {
                if (logs is not null)
                {
                    builder.Logging.AddProvider(logs);
                }

                builder.Services.AddSingleton<TimeProvider>(time);
                if (connectionString is not null)
                {
                    builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
                    // The key routes are audited (as in every host, through AddPlatformBuildingBlocks).
                    builder.Services.AddAuditLog();
                }
            },
            map: app =>
            {
                app.MapGet("/tenant", (HttpContext context) => TenantScope.Of(context).TenantId).RequireScope(PlatformScopes.TwinRead).RequireTenant();
                app.MapGet("/estimate-tenant", (HttpContext context) => TenantScope.Of(context).TenantId).RequireScope(PlatformScopes.Estimate).RequireTenant();
                app.MapGet("/identity", (HttpContext context) => PlatformCredentials.IdentityOf(context.User)).RequireCredential();
                app.MapGet("/admin-only", () => "ok").RequireScope(PlatformScopes.Admin);
                app.MapApiKeyEndpoints();
                map?.Invoke(app);
            });
        return new AuthHost(host, time);
    }

    public HttpClient Client(string? apiKey = null, string? bearer = null, string? tenantHeader = null)
    {
        var client = _host.CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, apiKey);
        }

        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        if (tenantHeader is not null)
        {
            client.DefaultRequestHeaders.Add(TenantScope.HeaderName, tenantHeader);
        }

        return client;
    }

    public static string Token(
        string? tenant = "alpha", string scope = "twin:read", string issuer = Issuer, string audience = Audience, byte[]? key = null,
        DateTime? expires = null, string? subject = "user-1")
    {
        var claims = new Dictionary<string, object> { ["scope"] = scope };
        if (tenant is not null)
        {
            claims["tenant_id"] = tenant;
        }

        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expiry.AddMinutes(-20),
            NotBefore = expiry.AddMinutes(-20),
            Expires = expiry,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
