using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Audit;

/// <summary>Who acted and for which tenant, as the audit log records it.</summary>
public static class AuditIdentity
{
    /// <summary>A caller the host did not authenticate (e.g. a route protected only by a shared key check).</summary>
    public const string Anonymous = "anonymous";

    /// <summary>
    /// The identity of a command-line tool's action (e.g. <c>platform keys create</c>): <c>cli:&lt;operating-system user&gt;</c>,
    /// since the tool acts with database access rather than through an authenticated request.
    /// </summary>
    public static string OfToolUser() => "cli:" + Environment.UserName;

    /// <summary>The authenticated caller's <see cref="ClaimTypes.NameIdentifier"/> (<c>admin</c>, <c>key:&lt;id&gt;</c>, a token's <c>sub</c>).</summary>
    public static string Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return Anonymous;
        }

        return user.FindFirst(ClaimTypes.NameIdentifier)?.Value is { Length: > 0 } id ? id
            : user.Identity.Name is { Length: > 0 } name ? name
            : "authenticated";
    }

    /// <summary>
    /// The tenant the action acted for: the request's resolved <see cref="TenantScope"/>, else the credential's tenant claim;
    /// null for a platform-wide action by a caller without a tenant.
    /// </summary>
    public static string? TenantOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<TenantScope>() is { } scope)
        {
            return scope.TenantId;
        }

        var claim = context.User.Identity?.IsAuthenticated == true ? context.User.FindFirst(TenantScope.ClaimType)?.Value : null;
        return TenantScope.IsValidId(claim) ? claim : null;
    }
}
