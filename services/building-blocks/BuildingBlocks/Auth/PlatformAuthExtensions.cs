using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Auth;

/// <summary>
/// Who may call what: one default scheme, the API key's (<see cref="ApiKeyAuthenticationHandler"/>), which forwards to the
/// credential the request carries instead — <c>Authorization: Bearer</c> (JWT), <c>dapr-api-token</c> (this app's sidecar, when
/// an app API token is configured), or, in development mode only, <c>X-Tenant-Id</c> — and scope policies
/// (<see cref="RequireScope{TBuilder}"/>) whose refusals are problem details (401, 403).
/// </summary>
public static class PlatformAuthExtensions
{
    /// <summary>The default scheme: every platform route authenticates with it (the authentication middleware runs it once per request).</summary>
    public const string SchemeName = ApiKeyAuthenticationHandler.SchemeName;

    public static IHostApplicationBuilder AddPlatformAuth(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PlatformAuthOptions>()
            .Bind(builder.Configuration.GetSection(PlatformAuthOptions.SectionName))
            .PostConfigure(o => o.DaprAppToken = PlatformAuthOptions.DaprAppTokenFrom(builder.Configuration))
            .Validate(o => o.Problem() is null, "Invalid Platform:Auth settings.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ApiKeyStore>();
        services.TryAddSingleton<ApiKeyVerifier>();
        services.TryAddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();

        var settings = builder.Configuration.GetSection(PlatformAuthOptions.SectionName).Get<PlatformAuthOptions>() ?? new PlatformAuthOptions();
        settings.DaprAppToken = PlatformAuthOptions.DaprAppTokenFrom(builder.Configuration);
        if (settings.Problem() is { } problem)
        {
            throw new OptionsValidationException(PlatformAuthOptions.SectionName, typeof(PlatformAuthOptions), [problem]);
        }

        // No policy scheme in front: a forwarding scheme would build a second handler and authenticate twice per request.
        var authentication = services.AddAuthentication(SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(SchemeName, o => o.ForwardDefaultSelector = context => OtherScheme(context, settings))
            .AddScheme<AuthenticationSchemeOptions, DaprAppTokenAuthenticationHandler>(DaprAppTokenAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, TenantHeaderAuthenticationHandler>(TenantHeaderAuthenticationHandler.SchemeName, null);
        if (settings.Jwt.Enabled)
        {
            authentication.AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, o => ConfigureJwt(o, settings.Jwt));
        }

        services.AddAuthorization();
        return builder;
    }

    /// <summary>
    /// Authentication runs before rate limiting, so limits can partition on the caller's identity; authorization comes after
    /// the limiter (<see cref="ServiceDefaults.ServiceDefaultsExtensions.UseServiceDefaults"/>), so refused callers are limited too.
    /// </summary>
    public static WebApplication UsePlatformAuth(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<PlatformAuthOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PlatformAuthExtensions));
        if (settings.DaprAppToken is not null)
        {
            // That it is on, never the token.
            logger.LogInformation("Calls carrying this app's Dapr app API token ({Header}) act as {Identity} with scope {Scope}.",
                DaprAppTokenAuthenticationHandler.HeaderName, PlatformCredentials.DaprServiceIdentity, PlatformScopes.Estimate);
        }

        if (settings.AllowTenantHeader)
        {
            logger.LogWarning(
                "Development mode: {Setting}=true lets an X-Tenant-Id header alone act for any tenant. Never run it like this where others can reach the host.",
                PlatformAuthOptions.SectionName + ":AllowTenantHeader");
        }

        app.UseAuthentication();
        return app;
    }

    /// <summary>
    /// Scope authorization, then the request's tenant (<see cref="TenantScopeMiddleware"/>, which reads the authorized user):
    /// after <see cref="UsePlatformAuth"/> (and the rate limiter, where the host has one), before the endpoints.
    /// </summary>
    public static WebApplication UsePlatformAuthorization(this WebApplication app)
    {
        app.UseAuthorization();
        app.UseTenantScope();
        return app;
    }

    /// <summary>The route (or group) needs a credential holding at least one of <paramref name="anyOf"/>: 401 without one, 403 without the scope.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, params string[] anyOf)
        where TBuilder : IEndpointConventionBuilder
    {
        if (anyOf.Length == 0 || anyOf.Any(s => !PlatformScopes.IsKnown(s)))
        {
            throw new ArgumentException($"Scopes must be some of {string.Join(", ", PlatformScopes.All)}.", nameof(anyOf));
        }

        // The policies name no scheme: the authentication middleware has run the default one already, and a policy naming it
        // would authenticate again and rebuild the principal on every request.
        var required = new RequiredScopes(anyOf);
        return builder
            .RequireAuthorization(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(anyOf)).Build())
            .WithMetadata(required);
    }

    /// <summary>The route (or group) needs any valid credential, whatever its scopes.</summary>
    public static TBuilder RequireCredential<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder
            .RequireAuthorization(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .WithMetadata(new RequiredScopes([]));

    /// <summary>The scheme of the credential the request carries when it is not an API key; null: the API key handler answers.</summary>
    private static string? OtherScheme(HttpContext context, PlatformAuthOptions settings)
    {
        var headers = context.Request.Headers;
        if (settings.Jwt.Enabled && headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return JwtBearerDefaults.AuthenticationScheme;
        }

        if (headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) || headers.ContainsKey("Authorization"))
        {
            // A bearer token where none are accepted stays here too: no X-Api-Key, so no result, so 401.
            return null;
        }

        // After the caller credentials: the sidecar adds its token to every call it delivers, and a caller's own key or token
        // (if one was passed along) is the narrower identity. Without a configured token the header means nothing.
        if (settings.DaprAppToken is not null && headers.ContainsKey(DaprAppTokenAuthenticationHandler.HeaderName))
        {
            return DaprAppTokenAuthenticationHandler.SchemeName;
        }

        return settings.AllowTenantHeader && headers.ContainsKey(TenantScope.HeaderName)
            ? TenantHeaderAuthenticationHandler.SchemeName
            : null;
    }

    private static void ConfigureJwt(JwtBearerOptions options, PlatformAuthOptions.JwtOptions jwt)
    {
        // Claims keep their JWT names (sub, scope, tenant_id) instead of the legacy SOAP claim URIs.
        options.MapInboundClaims = false;
        options.Authority = string.IsNullOrWhiteSpace(jwt.Authority) ? null : jwt.Authority;
        options.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = jwt.Issuer ?? jwt.Authority,
            ValidateAudience = true,
            ValidAudience = jwt.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = jwt.ClockSkew,
            NameClaimType = "sub",
            IssuerSigningKeys = jwt.SigningKeys.Select(k => new SymmetricSecurityKey(PlatformAuthOptions.TryDecode(k)!)).ToList(),
        };
        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                // The one identity claim every credential kind has (rate limits and the audit log read it).
                if (context.Principal?.Identity is ClaimsIdentity identity && identity.FindFirst("sub")?.Value is { Length: > 0 } subject)
                {
                    identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, subject));
                }
                else
                {
                    context.Fail("The token has no 'sub'.");
                }

                return Task.CompletedTask;
            },
        };
    }
}

/// <summary>Endpoint metadata: the scopes a route accepts (empty: any credential). Read by the 403 answer and the route tests.</summary>
public sealed record RequiredScopes(IReadOnlyList<string> AnyOf);

/// <summary>The credential holds at least one of <see cref="AnyOf"/> (<see cref="PlatformScopes.HasAny"/>).</summary>
public sealed class ScopeRequirement(IReadOnlyList<string> anyOf) : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    public IReadOnlyList<string> AnyOf { get; } = anyOf;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (PlatformScopes.HasAny(context.User, requirement.AnyOf))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
