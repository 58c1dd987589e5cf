using System.Collections.Concurrent;
using Npgsql;
using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;
using Platform.PortfolioTwin.Model.Data;

namespace Platform.PortfolioTwin.Api.Data;

/// <summary>
/// <see cref="ITwinDataStore"/> on the market-data stores. Every tenant query runs on a <see cref="TenantConnectionFactory"/>
/// connection, so row-level security admits only that tenant's rows.
/// </summary>
public sealed class PostgresTwinDataStore(
    NpgsqlDataSource ownerDataSource,
    PropertyStore properties,
    InteractionStore interactions,
    UserStore users,
    TenantStore tenants) : ITwinDataStore
{
    // Strength by the twin's one set of interaction weights: deal > outreach > like > view, dislike counts against.
    private static readonly Dictionary<InteractionKind, double> PopularityWeights =
        Enum.GetValues<InteractionKind>().ToDictionary(kind => kind, kind => (double)InteractionWeights.Default.Of(kind));

    // Tenants are never deleted while the service runs, so one that exists once is remembered.
    private readonly ConcurrentDictionary<string, bool> _knownTenants = new(StringComparer.Ordinal);

    public async Task<bool> UserExistsAsync(string tenantId, string userId, CancellationToken cancellationToken) =>
        await users.GetAsync(tenantId, userId, cancellationToken).ConfigureAwait(false) is not null;

    public Task<IReadOnlyList<Interaction>> RecentInteractionsOfUserAsync(string tenantId, string userId, int limit, CancellationToken cancellationToken) =>
        interactions.RecentByUserAsync(tenantId, userId, limit, cancellationToken);

    public async Task<int> AddInteractionsAsync(string tenantId, IReadOnlyList<Interaction> batch, IReadOnlyList<bool> timesGiven, CancellationToken cancellationToken)
    {
        await RequireTenantAsync(tenantId, cancellationToken).ConfigureAwait(false);
        return await interactions.InsertBatchAsync(tenantId, batch, timesGiven, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlySet<string>> ExistingUserIdsAsync(string tenantId, IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        // An unknown tenant is its own answer (404), not "every user is unknown".
        await RequireTenantAsync(tenantId, cancellationToken).ConfigureAwait(false);
        return await users.ExistingIdsAsync(tenantId, userIds, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlySet<string>> ExistingPropertyIdsAsync(string tenantId, IEnumerable<string> propertyIds, CancellationToken cancellationToken) =>
        properties.ExistingIdsAsync(tenantId, propertyIds, cancellationToken);

    public Task<Property?> GetPropertyAsync(string tenantId, string propertyId, CancellationToken cancellationToken) =>
        properties.GetAsync(tenantId, propertyId, cancellationToken);

    public IAsyncEnumerable<Property> PropertiesAsync(string tenantId, CancellationToken cancellationToken) =>
        properties.StreamAsync(tenantId, status: null, cancellationToken);

    public Task<IReadOnlyList<string>> PopularPropertyIdsAsync(string tenantId, int limit, CancellationToken cancellationToken) =>
        interactions.PopularPropertyIdsAsync(tenantId, PopularityWeights, limit, cancellationToken);

    public async Task<IReadOnlyList<string>> TenantsAsync(CancellationToken cancellationToken)
    {
        await using var command = ownerDataSource.CreateCommand("SELECT tenant_id FROM tenants ORDER BY tenant_id");
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private async Task RequireTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        // The interactions table has no foreign key to tenants (dropped for bulk-load speed), so the check is made here.
        if (!_knownTenants.ContainsKey(tenantId))
        {
            if (!await tenants.ExistsAsync(tenantId, cancellationToken).ConfigureAwait(false))
            {
                throw new UnknownTenantException(tenantId);
            }

            _knownTenants[tenantId] = true;
        }
    }
}
