using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Platform.BuildingBlocks.Auth;

namespace Platform.BuildingBlocks.Tenancy;

/// <summary>
/// The tenant a request acts for: the one its credential (a token's or API key's <c>tenant_id</c>) is bound to. Every database
/// query and index search of the request is scoped to it.
/// </summary>
public sealed partial record TenantScope(string TenantId)
{
    public const string HeaderName = "X-Tenant-Id";
    public const string ClaimType = "tenant_id";

    public static bool IsValidId(string? tenantId) => tenantId is not null && TenantIdPattern().IsMatch(tenantId);

    /// <summary>The scope <see cref="TenantScopeMiddleware"/> resolved for this request.</summary>
    public static TenantScope Of(HttpContext context) =>
        context.Features.Get<TenantScope>()
        ?? throw new InvalidOperationException(
            $"No tenant resolved: the endpoint is not marked {nameof(TenantEndpointExtensions.RequireTenant)}(), or the host has no {nameof(PlatformAuthExtensions.UsePlatformAuthorization)}().");

    // Same rule as the tenants table's CHECK constraint. \A and \z, not ^ and $: '$' also matches before a trailing newline.
    [GeneratedRegex(@"\A[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex TenantIdPattern();
}

/// <summary>
/// Resolves <see cref="TenantScope"/> from the authenticated credential before the handler of a route marked
/// <see cref="TenantEndpointExtensions.RequireTenant{TBuilder}"/> runs. A credential without a tenant (the platform admin key) may
/// not act for one (403); an <c>X-Tenant-Id</c> header that disagrees with the credential is refused (403) rather than silently
/// ignored. The header names a tenant only through a credential made from it: the development scheme's
/// (<c>Auth/TenantHeaderAuthenticationHandler</c>) and the Dapr sidecar's service credential
/// (<c>Auth/DaprAppTokenAuthenticationHandler</c>, scope <c>estimate</c>).
/// </summary>
/// <remarks>
/// A step of the pipeline right after authorization (<see cref="PlatformAuthExtensions.UsePlatformAuthorization"/>), reading endpoint
/// metadata as authorization does, rather than an endpoint filter: a filter wraps every tenant handler's arguments and result on
/// each request, and this refuses a caller before its body is bound. A host without the step resolves no tenant, so every tenant
/// route fails (500) instead of running for nobody.
/// </remarks>
public sealed class TenantScopeMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        var endpoint = http.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<TenantScopedEndpoint>() is null)
        {
            return next(http);
        }

        if (http.User.Identity?.IsAuthenticated != true)
        {
            return Refuse(http, StatusCodes.Status401Unauthorized, "A valid credential is required.",
                "Send a bearer token (Authorization: Bearer <JWT>) or an API key (X-Api-Key) bound to a tenant.", "X-Api-Key");
        }

        var claim = http.User.FindFirst(TenantScope.ClaimType)?.Value ?? AdminTarget(http, endpoint);
        if (claim is null && AdminAcrossTenants(http, endpoint))
        {
            // No tenant resolved: the handler acts for the platform (every tenant's records).
            return next(http);
        }

        if (claim is null)
        {
            return Refuse(http, StatusCodes.Status403Forbidden, "The credential is not bound to a tenant.",
                "Platform-wide credentials (the admin key) may not read or change a tenant's data; use a key or token of that tenant.", TenantScope.ClaimType);
        }

        var header = http.Request.Headers[TenantScope.HeaderName].ToString();
        if (header.Length > 0 && !string.Equals(claim, header, StringComparison.Ordinal))
        {
            return Refuse(http, StatusCodes.Status403Forbidden, "The tenant header does not match the credential.",
                $"The credential is for another tenant than the one {TenantScope.HeaderName} names.", TenantScope.HeaderName);
        }

        if (!TenantScope.IsValidId(claim))
        {
            return Refuse(http, StatusCodes.Status400BadRequest, "Invalid tenant id.",
                $"A tenant id is 1-64 letters, digits, '_' or '-' (from the credential, or {TenantScope.HeaderName} in development mode).",
                TenantScope.HeaderName);
        }

        http.Features.Set(new TenantScope(claim));
        return next(http);
    }

    /// <summary>
    /// On a route marked <see cref="TenantEndpointExtensions.AllowAdminToTargetTenant{TBuilder}"/> (operations on a tenant's
    /// models, such as an alias move or a reload), a platform admin names the tenant it acts on in the header: the admin
    /// key operates the platform, it still reads no tenant's data.
    /// </summary>
    private static string? AdminTarget(HttpContext http, Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<AdminMayTargetTenant>() is not null
        && PlatformScopes.Has(http.User, PlatformScopes.Admin)
        && http.Request.Headers[TenantScope.HeaderName].ToString() is { Length: > 0 } target
            ? target
            : null;

    /// <summary>
    /// On a route marked <see cref="TenantEndpointExtensions.AllowAdminAcrossTenants{TBuilder}"/> (workflow runs), a platform
    /// admin naming no tenant acts on every tenant's records.
    /// </summary>
    private static bool AdminAcrossTenants(HttpContext http, Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<AdminMayActAcrossTenants>() is not null
        && PlatformScopes.Has(http.User, PlatformScopes.Admin)
        && http.Request.Headers[TenantScope.HeaderName].Count == 0;

    private static Task Refuse(HttpContext http, int status, string title, string detail, string field) => TypedResults.Problem(
        title: title, detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["field"] = field }).ExecuteAsync(http);
}

/// <summary>Endpoint metadata: the route acts for the caller's tenant (<see cref="TenantEndpointExtensions.RequireTenant{TBuilder}"/>).</summary>
public sealed class TenantScopedEndpoint
{
    public static TenantScopedEndpoint Instance { get; } = new();
}

/// <summary>Endpoint metadata: a platform admin may act on the tenant its <c>X-Tenant-Id</c> header names.</summary>
public sealed class AdminMayTargetTenant
{
    public static AdminMayTargetTenant Instance { get; } = new();
}

/// <summary>Endpoint metadata: a platform admin naming no tenant acts on every tenant's records (no <see cref="TenantScope"/> is set).</summary>
public sealed class AdminMayActAcrossTenants
{
    public static AdminMayActAcrossTenants Instance { get; } = new();
}

public static class TenantEndpointExtensions
{
    /// <summary>
    /// Lets a platform admin that names no tenant through to the handler without a <see cref="TenantScope"/>, so it acts
    /// across tenants (e.g. lists every tenant's workflow runs); a handler reads that as the absence of the feature. A
    /// tenant's credential is still resolved to its tenant, and anyone else without a tenant is still refused.
    /// </summary>
    public static TBuilder AllowAdminAcrossTenants<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AdminMayActAcrossTenants.Instance);

    /// <summary>Lets a platform admin (no tenant of its own) act on the tenant its <c>X-Tenant-Id</c> header names here.</summary>
    public static TBuilder AllowAdminToTargetTenant<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AdminMayTargetTenant.Instance);

    /// <summary>
    /// Any credential of a tenant: one holding any tenant scope (<see cref="PlatformScopes.Tenant"/>; 401 without a credential,
    /// 403 for the admin key, which has none of them), acting for its own tenant (<see cref="RequireTenant{TBuilder}"/>). For
    /// reads every tenant caller may make whatever its job (the registry's views).
    /// </summary>
    public static TBuilder RequireTenantCredential<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireScope([.. PlatformScopes.Tenant]).RequireTenant();

    /// <summary>The route (or group) acts for the request's tenant, resolved by <see cref="TenantScopeMiddleware"/> before its handlers run.</summary>
    public static TBuilder RequireTenant<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(TenantScopedEndpoint.Instance);

    /// <summary>Resolves the tenant of routes marked <see cref="RequireTenant{TBuilder}"/>; composed by <see cref="PlatformAuthExtensions.UsePlatformAuthorization"/>.</summary>
    internal static IApplicationBuilder UseTenantScope(this IApplicationBuilder app) => app.UseMiddleware<TenantScopeMiddleware>();
}
