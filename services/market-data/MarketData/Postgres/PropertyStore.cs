using System.Runtime.CompilerServices;
using Npgsql;
using Platform.MarketData.Domain;

namespace Platform.MarketData.Postgres;

/// <summary>Properties of one tenant, read and written through tenant-scoped (row-level secured) connections.</summary>
public sealed class PropertyStore(TenantConnectionFactory connections)
{
    private const string Upsert = $"""
        INSERT INTO properties ({PostgresReaders.PropertyColumns})
        VALUES (@tenant_id, @property_id, @property_type, @municipality, @zip_code, @latitude, @longitude, @usable_area,
                @total_area, @lot_size, @rooms, @bedrooms, @bathrooms, @floor, @year_built, @condition, @listing_price,
                @status, @days_on_market, @listed_at, @monthly_rent)
        ON CONFLICT (tenant_id, property_id) DO UPDATE SET
            property_type = excluded.property_type, municipality = excluded.municipality, zip_code = excluded.zip_code,
            latitude = excluded.latitude, longitude = excluded.longitude, usable_area = excluded.usable_area,
            total_area = excluded.total_area, lot_size = excluded.lot_size, rooms = excluded.rooms,
            bedrooms = excluded.bedrooms, bathrooms = excluded.bathrooms, floor = excluded.floor,
            year_built = excluded.year_built, condition = excluded.condition, listing_price = excluded.listing_price,
            status = excluded.status, days_on_market = excluded.days_on_market, listed_at = excluded.listed_at,
            monthly_rent = excluded.monthly_rent
        """;

    /// <summary>Inserts or updates <paramref name="properties"/> (all of <paramref name="tenantId"/>) in one transaction.</summary>
    public async Task UpsertAsync(string tenantId, IEnumerable<Property> properties, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var p in properties)
        {
            if (p.TenantId != tenantId)
            {
                throw new ArgumentException($"Property '{p.PropertyId}' belongs to tenant '{p.TenantId}', not '{tenantId}'.", nameof(properties));
            }

            var command = new NpgsqlBatchCommand(Upsert);
            var parameters = command.Parameters;
            parameters.AddWithValue("tenant_id", p.TenantId);
            parameters.AddWithValue("property_id", p.PropertyId);
            parameters.AddWithValue("property_type", p.PropertyType);
            parameters.AddWithValue("municipality", p.Municipality);
            parameters.AddWithValue("zip_code", PostgresReaders.Db(p.ZipCode));
            parameters.AddWithValue("latitude", p.Latitude);
            parameters.AddWithValue("longitude", p.Longitude);
            parameters.AddWithValue("usable_area", p.UsableArea);
            parameters.AddWithValue("total_area", PostgresReaders.Db(p.TotalArea));
            parameters.AddWithValue("lot_size", PostgresReaders.Db(p.LotSize));
            parameters.AddWithValue("rooms", p.Rooms);
            parameters.AddWithValue("bedrooms", p.Bedrooms);
            parameters.AddWithValue("bathrooms", p.Bathrooms);
            parameters.AddWithValue("floor", PostgresReaders.Db(p.Floor));
            parameters.AddWithValue("year_built", p.YearBuilt);
            parameters.AddWithValue("condition", p.Condition);
            parameters.AddWithValue("listing_price", PostgresReaders.Db(p.ListingPrice));
            parameters.AddWithValue("status", p.Status);
            parameters.AddWithValue("days_on_market", p.DaysOnMarket);
            parameters.AddWithValue("listed_at", p.ListedAt);
            parameters.AddWithValue("monthly_rent", PostgresReaders.Db(p.MonthlyRent));
            batch.BatchCommands.Add(command);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<Property?> GetAsync(string tenantId, string propertyId, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {PostgresReaders.PropertyColumns} FROM properties WHERE tenant_id = @tenant AND property_id = @id", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", propertyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? PostgresReaders.ReadProperty(reader) : null;
    }

    /// <summary>Streams the tenant's properties in id order (optionally only one status) without buffering them.</summary>
    public async IAsyncEnumerable<Property> StreamAsync(string tenantId, string? status = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {PostgresReaders.PropertyColumns} FROM properties WHERE tenant_id = @tenant AND (@status::text IS NULL OR status = @status) ORDER BY property_id",
            connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("status", PostgresReaders.Db(status));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return PostgresReaders.ReadProperty(reader);
        }
    }

    /// <summary>The ids among <paramref name="ids"/> that name properties of the tenant.</summary>
    public Task<IReadOnlySet<string>> ExistingIdsAsync(string tenantId, IEnumerable<string> ids, CancellationToken cancellationToken = default) =>
        ExistingIds.ReadAsync(connections, tenantId, "properties", "property_id", ids, cancellationToken);

    public async Task<long> CountAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM properties WHERE tenant_id = @tenant", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
