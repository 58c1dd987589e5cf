using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Platform.BuildingBlocks.Tenancy;

/// <summary>
/// The tenant a request acts for. Read from the caller's token (claim <c>tenant_id</c>) when the host authenticates requests,
/// else from the <c>X-Tenant-Id</c> header; every database query and index search of the request is scoped to it.
/// </summary>
public sealed partial record TenantScope(string TenantId)
{
    public const string HeaderName = "X-Tenant-Id";
    public const string ClaimType = "tenant_id";

    public static bool IsValidId(string? tenantId) => tenantId is not null && TenantIdPattern().IsMatch(tenantId);

    /// <summary>The scope <see cref="TenantEndpointFilter"/> resolved for this request.</summary>
    public static TenantScope Of(HttpContext context) =>
        context.Features.Get<TenantScope>()
        ?? throw new InvalidOperationException($"No tenant resolved: the endpoint is missing {nameof(TenantEndpointFilter)}.");

    // Same rule as the tenants table's CHECK constraint.
    [GeneratedRegex(@"\A[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex TenantIdPattern();
}

/// <summary>
/// Resolves <see cref="TenantScope"/> before the handler runs: a token's tenant claim wins; a header that disagrees with it is
/// refused (403) rather than silently ignored; no tenant at all is a 400 naming the header.
/// </summary>
public sealed class TenantEndpointFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers[TenantScope.HeaderName].ToString();
        var claim = http.User.Identity?.IsAuthenticated == true ? http.User.FindFirst(TenantScope.ClaimType)?.Value : null;

        if (claim is not null && header.Length > 0 && !string.Equals(claim, header, StringComparison.Ordinal))
        {
            return TypedResults.Problem(
                title: "The tenant header does not match the token.",
                detail: $"The token is for tenant '{claim}' but {TenantScope.HeaderName} names '{header}'.",
                statusCode: StatusCodes.Status403Forbidden,
                extensions: new Dictionary<string, object?> { ["field"] = TenantScope.HeaderName });
        }

        var tenantId = claim ?? header;
        if (!TenantScope.IsValidId(tenantId))
        {
            return TypedResults.Problem(
                title: tenantId.Length == 0 ? "No tenant given." : "Invalid tenant id.",
                detail: $"Send the tenant in the {TenantScope.HeaderName} header (1-64 letters, digits, '_' or '-').",
                statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["field"] = TenantScope.HeaderName });
        }

        http.Features.Set(new TenantScope(tenantId));
        return await next(context).ConfigureAwait(false);
    }
}

public static class TenantEndpointExtensions
{
    /// <summary>Resolves the request's tenant (<see cref="TenantEndpointFilter"/>) before the endpoint or group's handlers run.</summary>
    public static TBuilder RequireTenant<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, TenantEndpointFilter>();
}
