using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Platform.Dashboard.Auth;

/// <summary>
/// Who is signed in to the dashboard: the tenant every API call is made for, the tenant's API key the dashboard forwards on
/// tenant routes (the API checks it is that tenant's; optional only against a development-mode host) and, for an administrator,
/// the platform admin key it forwards on admin routes. Kept in the Data Protection–encrypted sign-in cookie; the browser never
/// sees a key in clear.
/// </summary>
public sealed record DashboardUser(string TenantId, string? ApiKey, string? TenantKey = null)
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme + ".Dashboard";
    public const string Policy = "Dashboard";
    public const string TenantClaim = "tenant_id";
    public const string ApiKeyClaim = "platform_api_key";
    public const string TenantKeyClaim = "platform_tenant_key";
    public const string AdminRole = "admin";

    public bool IsAdmin => ApiKey is not null;

    public ClaimsPrincipal ToPrincipal()
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, TenantId), new(TenantClaim, TenantId) };
        if (ApiKey is not null)
        {
            claims.Add(new Claim(ApiKeyClaim, ApiKey));
            claims.Add(new Claim(ClaimTypes.Role, AdminRole));
        }

        if (TenantKey is not null)
        {
            claims.Add(new Claim(TenantKeyClaim, TenantKey));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    public static DashboardUser? From(ClaimsPrincipal principal) =>
        principal.Identity?.IsAuthenticated == true && principal.FindFirst(TenantClaim)?.Value is { Length: > 0 } tenant
            ? new DashboardUser(tenant, principal.FindFirst(ApiKeyClaim)?.Value, principal.FindFirst(TenantKeyClaim)?.Value)
            : null;
}
