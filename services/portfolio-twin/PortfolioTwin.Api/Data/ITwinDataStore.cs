using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Api.Data;

/// <summary>
/// The domain data the twin service reads and writes, every call scoped to one tenant. Kept narrow so the endpoints do not
/// depend on how the market-data stores are split.
/// </summary>
public interface ITwinDataStore
{
    Task<bool> UserExistsAsync(string tenantId, string userId, CancellationToken cancellationToken);

    /// <summary>The user's most recent <paramref name="limit"/> interactions, oldest first (one indexed read of at most that many rows).</summary>
    Task<IReadOnlyList<Interaction>> RecentInteractionsOfUserAsync(string tenantId, string userId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Stores new interactions; an event id already stored with the same content is skipped. Returns how many rows were new. An
    /// id stored with other content throws <see cref="Platform.MarketData.Postgres.EventIdConflictException"/> and stores
    /// nothing; <paramref name="timesGiven"/> says which times the caller sent (a filled-in "now" is not compared).
    /// </summary>
    Task<int> AddInteractionsAsync(string tenantId, IReadOnlyList<Interaction> interactions, IReadOnlyList<bool> timesGiven, CancellationToken cancellationToken);

    /// <summary>The ids among <paramref name="userIds"/> that are users of the tenant; <see cref="UnknownTenantException"/> for no such tenant.</summary>
    Task<IReadOnlySet<string>> ExistingUserIdsAsync(string tenantId, IEnumerable<string> userIds, CancellationToken cancellationToken);

    /// <summary>The ids among <paramref name="propertyIds"/> that are properties of the tenant.</summary>
    Task<IReadOnlySet<string>> ExistingPropertyIdsAsync(string tenantId, IEnumerable<string> propertyIds, CancellationToken cancellationToken);

    Task<Property?> GetPropertyAsync(string tenantId, string propertyId, CancellationToken cancellationToken);

    IAsyncEnumerable<Property> PropertiesAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>The most interacted-with properties of the tenant (deals and likes weigh more), for users with no history.</summary>
    Task<IReadOnlyList<string>> PopularPropertyIdsAsync(string tenantId, int limit, CancellationToken cancellationToken);

    /// <summary>Every tenant (owner connection: the tenants table is itself row-level secured).</summary>
    Task<IReadOnlyList<string>> TenantsAsync(CancellationToken cancellationToken);
}

/// <summary>The tenant named by a write does not exist.</summary>
public sealed class UnknownTenantException(string tenantId) : Exception($"Tenant '{tenantId}' does not exist.")
{
    public string TenantId { get; } = tenantId;
}
