using System.Diagnostics;
using Npgsql;
using Platform.MarketData.Postgres;

namespace Platform.MarketData.Synthetic;

/// <summary>Rows loaded per table and the wall time the COPY took.</summary>
public sealed record PostgresLoadResult(long Properties, long Sales, long Users, long Interactions, TimeSpan Elapsed)
{
    public long TotalRows => Properties + Sales + Users + Interactions;
    public double RowsPerSecond => TotalRows / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>Loads a synthetic market into PostgreSQL with binary COPY (sessions scoped to the market's tenant, see <see cref="BulkLoader"/>).</summary>
public sealed class PostgresMarketWriter(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Creates the tenant and loads properties, sales, users and interactions. A tenant that already has data is an
    /// error unless <paramref name="replace"/> is set, in which case its rows are deleted first.
    /// </summary>
    public async Task<PostgresLoadResult> WriteAsync(SyntheticMarketGenerator market, bool replace, IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var tenant = market.Options.TenantId;
        await new TenantStore(dataSource).EnsureAsync(tenant, cancellationToken: cancellationToken);
        var loader = new BulkLoader(dataSource);
        if (await HasDataAsync(tenant, cancellationToken))
        {
            if (!replace)
            {
                throw new InvalidOperationException($"Tenant '{tenant}' already has data; pass --replace to delete it and load again, or choose another --tenant.");
            }

            progress?.Report($"deleting existing data of tenant '{tenant}'");
            await loader.DeleteTenantDataAsync(tenant, cancellationToken);
        }

        // Tables load concurrently (sales after the properties they reference); interactions need no other table.
        var stopwatch = Stopwatch.StartNew();
        var propertiesAndSales = Task.Run(async () =>
        {
            var properties = await loader.LoadPropertiesAsync(tenant, market.Properties, cancellationToken);
            progress?.Report($"properties: {properties:N0} rows, {stopwatch.Elapsed.TotalSeconds:F1} s");
            var sales = await loader.LoadSalesAsync(tenant, market.Sales.Select(s => s.Sale), cancellationToken);
            progress?.Report($"sales: {sales:N0} rows, {stopwatch.Elapsed.TotalSeconds:F1} s");
            return (properties, sales);
        }, cancellationToken);
        var usersTask = Task.Run(async () =>
        {
            var users = await loader.LoadUsersAsync(tenant, market.Users.Select(u => u.User), cancellationToken);
            progress?.Report($"users: {users:N0} rows, {stopwatch.Elapsed.TotalSeconds:F1} s");
            return users;
        }, cancellationToken);
        var interactionsTask = Task.Run(async () =>
        {
            var interactions = await LoadInteractionsInParallelAsync(loader, market, cancellationToken);
            progress?.Report($"interactions: {interactions:N0} rows, {stopwatch.Elapsed.TotalSeconds:F1} s");
            return interactions;
        }, cancellationToken);
        await Task.WhenAll(propertiesAndSales, usersTask, interactionsTask);
        var (properties, sales) = await propertiesAndSales;
        var users = await usersTask;
        var interactions = await interactionsTask;
        return new PostgresLoadResult(properties, sales, users, interactions, stopwatch.Elapsed);
    }

    /// <summary>
    /// Interactions dominate the load; generating and COPYing disjoint user slices over several connections keeps
    /// both the generator and the server's index maintenance busy on more than one core.
    /// </summary>
    public static async Task<long> LoadInteractionsInParallelAsync(BulkLoader loader, SyntheticMarketGenerator market, CancellationToken cancellationToken = default)
    {
        var parallelism = Math.Clamp(Environment.ProcessorCount, 2, 4);
        var slices = await Task.WhenAll(Enumerable.Range(0, parallelism).Select(slice => Task.Run(
            () => loader.LoadInteractionsAsync(market.Options.TenantId, market.Interactions(slice, parallelism), cancellationToken), cancellationToken)));
        return slices.Sum();
    }

    private async Task<bool> HasDataAsync(string tenant, CancellationToken cancellationToken)
    {
        await using var connection = await new TenantConnectionFactory(dataSource).OpenAsync(tenant, cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT EXISTS (SELECT 1 FROM properties WHERE tenant_id = @t) OR EXISTS (SELECT 1 FROM users WHERE tenant_id = @t)
                OR EXISTS (SELECT 1 FROM interactions WHERE tenant_id = @t)
            """, connection);
        command.Parameters.AddWithValue("t", tenant);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
