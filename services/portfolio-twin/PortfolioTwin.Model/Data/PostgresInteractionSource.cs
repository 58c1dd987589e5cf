using Npgsql;
using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;

namespace Platform.PortfolioTwin.Model.Data;

/// <summary>
/// Loads one tenant's training data through the market-data stores (the same tenant-scoped, row-level secured reads the
/// services use): every property, every user, and the interactions of the last <c>lookbackDays</c> days, grouped by user.
/// </summary>
public sealed class PostgresInteractionSource(NpgsqlDataSource dataSource, string tenantId, TimeProvider? time = null)
{
    public async Task<TwinDataset> LoadAsync(int lookbackDays, CancellationToken cancellationToken = default)
    {
        if (lookbackDays < 1) throw new ArgumentOutOfRangeException(nameof(lookbackDays), lookbackDays, "lookback days must be at least 1.");
        var connections = new TenantConnectionFactory(dataSource);
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

        var since = (time ?? TimeProvider.System).GetUtcNow().AddDays(-lookbackDays);
        var interactions = await new InteractionStore(connections).ListSinceByUserAsync(tenantId, since, cancellationToken);
        return new TwinDataset(properties, users, interactions);
    }
}
