using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Platform.Dashboard.Auth;

/// <summary>
/// Who is signed in to the dashboard: the tenant every API call is made for and, for an administrator, the platform API key the
/// dashboard forwards. Kept in the Data Protection–encrypted sign-in cookie; the browser never sees the key in clear.
/// </summary>
public sealed record DashboardUser(string TenantId, string? ApiKey)
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme + ".Dashboard";
    public const string Policy = "Dashboard";
    public const string TenantClaim = "tenant_id";
    public const string ApiKeyClaim = "platform_api_key";
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

        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    public static DashboardUser? From(ClaimsPrincipal principal) =>
        principal.Identity?.IsAuthenticated == true && principal.FindFirst(TenantClaim)?.Value is { Length: > 0 } tenant
            ? new DashboardUser(tenant, principal.FindFirst(ApiKeyClaim)?.Value)
            : null;
}
