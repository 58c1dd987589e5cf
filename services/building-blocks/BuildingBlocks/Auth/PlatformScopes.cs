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

    /// <summary>Whether the principal holds at least one of <paramref name="anyOf"/>; builds no strings or sets (it runs on every request).</summary>
    public static bool HasAny(System.Security.Claims.ClaimsPrincipal user, IReadOnlyList<string> anyOf)
    {
        foreach (var identity in user.Identities)
        {
            foreach (var claim in identity.Claims)
            {
                if (claim.Type != ClaimType)
                {
                    continue;
                }

                foreach (var range in claim.Value.AsSpan().Split(' '))
                {
                    var held = claim.Value.AsSpan()[range];
                    for (var i = 0; i < anyOf.Count; i++)
                    {
                        if (held.SequenceEqual(anyOf[i]))
                        {
                            return true;
                        }
                    }
                }
            }
        }

        return false;
    }

    /// <summary>Whether the principal holds <paramref name="scope"/>.</summary>
    public static bool Has(System.Security.Claims.ClaimsPrincipal user, string scope) => HasAny(user, [scope]);
}
