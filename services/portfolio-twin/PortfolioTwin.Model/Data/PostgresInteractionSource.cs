using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;

namespace Platform.PortfolioTwin.Model.Data;

/// <summary>
/// Loads one tenant's training data through the market-data stores (the same tenant-scoped, row-level secured reads the
/// services use): every property, every user, and the interactions of the <c>lookbackDays</c> days up to the tenant's newest
/// interaction (not up to today: a market imported or generated with past dates still trains), grouped by user.
/// </summary>
public sealed class PostgresInteractionSource(TenantConnectionFactory connections, string tenantId)
{
    public async Task<TwinDataset> LoadAsync(int lookbackDays, CancellationToken cancellationToken = default)
    {
        if (lookbackDays < 1) throw new ArgumentOutOfRangeException(nameof(lookbackDays), lookbackDays, "lookback days must be at least 1.");
        var properties = new List<Property>();
        await foreach (var property in new PropertyStore(connections).StreamAsync(tenantId, cancellationToken: cancellationToken))
        {
            properties.Add(property);
        }

        var users = new List<User>();
        await foreach (var user in new UserStore(connections).StreamAsync(tenantId, cancellationToken))
        {
            users.Add(user);
        }

        var store = new InteractionStore(connections);
        IReadOnlyList<Interaction> interactions = await store.NewestAtAsync(tenantId, cancellationToken) is { } newest
            ? await store.ListSinceByUserAsync(tenantId, newest.AddDays(-lookbackDays), cancellationToken)
            : [];
        return new TwinDataset(properties, users, interactions);
    }
}
