using System.Text.RegularExpressions;

namespace Platform.MarketData.Postgres;

/// <summary>Tenant ids are 1–64 characters of letters, digits, '_' and '-' (the same check the tenants table enforces).</summary>
public static partial class TenantId
{
    public static bool IsValid(string? tenantId) => tenantId is not null && Pattern().IsMatch(tenantId);

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="field"/> when the id is malformed.</summary>
    public static string Validate(string? tenantId, string field = "tenantId") => IsValid(tenantId)
        ? tenantId!
        : throw new ArgumentException($"{field} '{tenantId}' is not a valid tenant id (1-64 of A-Z a-z 0-9 _ -).", field);

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex Pattern();
}
