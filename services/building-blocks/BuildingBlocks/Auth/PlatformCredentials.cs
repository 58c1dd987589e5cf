using System.Security.Claims;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Auth;

/// <summary>The principal every credential kind turns into: identity (<see cref="ClaimTypes.NameIdentifier"/>), tenant, scopes.</summary>
public static class PlatformCredentials
{
    /// <summary>The identity of the platform admin key (scope <c>admin</c>, no tenant).</summary>
    public const string AdminIdentity = "admin";

    /// <summary>
    /// The identity of calls delivered by this app's Dapr sidecar (<see cref="DaprAppTokenAuthenticationHandler"/>): scope
    /// <c>estimate</c>, tenant from <c>X-Tenant-Id</c>.
    /// </summary>
    public const string DaprServiceIdentity = "service:dapr";

    public static ClaimsPrincipal Principal(string scheme, string identity, string? tenantId, IEnumerable<string> scopes)
    {
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, identity), new(ClaimTypes.Name, identity) };
        if (tenantId is not null)
        {
            claims.Add(new Claim(TenantScope.ClaimType, tenantId));
        }

        claims.Add(new Claim(PlatformScopes.ClaimType, string.Join(' ', scopes)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The caller's identity: <c>key:&lt;id&gt;</c>, a token's <c>sub</c>, <c>admin</c>, <c>service:dapr</c> or <c>dev:&lt;tenant&gt;</c>; null when anonymous.</summary>
    public static string? IdentityOf(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true ? user.FindFirst(ClaimTypes.NameIdentifier)?.Value : null;
}
