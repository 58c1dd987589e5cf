namespace Platform.BuildingBlocks.Auth;

/// <summary>What a credential may do. A credential carries them space-separated in its <c>scope</c> claim (OAuth 2.0 style).</summary>
public static class PlatformScopes
{
    public const string ClaimType = "scope";
    public const string Estimate = "estimate";
    public const string TwinRead = "twin:read";
    public const string TwinWrite = "twin:write";
    public const string Workflows = "workflows";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Estimate, TwinRead, TwinWrite, Workflows, Admin];

    /// <summary>What a tenant's own callers may be given (everything but platform-wide administration).</summary>
    public static IReadOnlyList<string> Tenant { get; } = [Estimate, TwinRead, TwinWrite, Workflows];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);

    /// <summary>Every scope the principal holds, from one or more space-separated <c>scope</c> claims.</summary>
    public static IReadOnlySet<string> Of(System.Security.Claims.ClaimsPrincipal user)
    {
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in user.FindAll(ClaimType))
        {
            scopes.UnionWith(claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        return scopes;
    }
}
