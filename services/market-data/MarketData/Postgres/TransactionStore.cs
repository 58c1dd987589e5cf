using System.Runtime.CompilerServices;
using Npgsql;
using Platform.MarketData.Domain;

namespace Platform.MarketData.Postgres;

/// <summary>A sale with the features of the property sold: one training row for the price model.</summary>
public sealed record SaleWithProperty(Sale Sale, Property Property);

/// <summary>Sales (transactions) of one tenant, through tenant-scoped connections.</summary>
public sealed class TransactionStore(TenantConnectionFactory connections)
{
    /// <summary>Inserts sales not stored yet (by transaction id); returns how many were new.</summary>
    public async Task<int> InsertAsync(string tenantId, IReadOnlyList<Sale> sales, CancellationToken cancellationToken = default)
    {
        if (sales.Count == 0)
        {
            return 0;
        }

        foreach (var sale in sales)
        {
            if (sale.TenantId != tenantId)
            {
                throw new ArgumentException($"Sale '{sale.TransactionId}' belongs to tenant '{sale.TenantId}', not '{tenantId}'.", nameof(sales));
            }
        }

        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand($"""
            INSERT INTO transactions ({PostgresReaders.SaleColumns})
            SELECT @tenant, t, p, s, d FROM unnest(@ids, @properties, @prices, @dates) AS x(t, p, s, d)
            ON CONFLICT (tenant_id, transaction_id) DO NOTHING
            """, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("ids", sales.Select(s => s.TransactionId).ToArray());
        command.Parameters.AddWithValue("properties", sales.Select(s => s.PropertyId).ToArray());
        command.Parameters.AddWithValue("prices", sales.Select(s => s.SoldPrice).ToArray());
        command.Parameters.AddWithValue("dates", sales.Select(s => s.SoldAt).ToArray());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Streams every sale joined with its property, in sale date order (training data for the price model).</summary>
    public async IAsyncEnumerable<SaleWithProperty> StreamSalesWithPropertiesAsync(string tenantId,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT t.tenant_id, t.transaction_id, t.property_id, t.sold_price, t.sold_at,
                   p.{PostgresReaders.PropertyColumns.Replace(", ", ", p.", StringComparison.Ordinal)}
            FROM transactions t
            JOIN properties p ON p.tenant_id = t.tenant_id AND p.property_id = t.property_id
            WHERE t.tenant_id = @tenant
            ORDER BY t.sold_at, t.transaction_id
            """, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new SaleWithProperty(PostgresReaders.ReadSale(reader), PostgresReaders.ReadProperty(reader, offset: 5));
        }
    }

    public async Task<long> CountAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM transactions WHERE tenant_id = @tenant", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
