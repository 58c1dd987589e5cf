using Npgsql;
using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Model.Data;

/// <summary>
/// Loads one tenant's training data from PostgreSQL (tables properties, users, interactions): every property,
/// every user, and the interactions of the <c>lookbackDays</c> days up to the tenant's newest interaction (not up to today:
/// a market imported or generated with past dates still trains). Every query filters on tenant_id.
/// </summary>
public sealed class PostgresInteractionSource(NpgsqlDataSource dataSource, string tenantId)
{
    public async Task<TwinDataset> LoadAsync(int lookbackDays, CancellationToken cancellationToken = default)
    {
        if (lookbackDays < 1) throw new ArgumentOutOfRangeException(nameof(lookbackDays), lookbackDays, "lookback days must be at least 1.");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var properties = await ReadAsync(connection, """
            SELECT property_id, property_type, municipality, zip_code, latitude, longitude, usable_area, total_area, lot_size,
                   rooms, bedrooms, bathrooms, floor, year_built, condition, listing_price, status, days_on_market, listed_at, monthly_rent
            FROM properties WHERE tenant_id = @tenant ORDER BY property_id
            """, null, r => new Property
        {
            TenantId = tenantId,
            PropertyId = r.GetString(0),
            PropertyType = r.GetString(1),
            Municipality = r.GetString(2),
            ZipCode = r.IsDBNull(3) ? null : r.GetString(3),
            Latitude = r.GetDouble(4),
            Longitude = r.GetDouble(5),
            UsableArea = r.GetDouble(6),
            TotalArea = r.IsDBNull(7) ? null : r.GetDouble(7),
            LotSize = r.IsDBNull(8) ? null : r.GetDouble(8),
            Rooms = r.GetInt32(9),
            Bedrooms = r.GetInt32(10),
            Bathrooms = r.GetInt32(11),
            Floor = r.IsDBNull(12) ? null : r.GetInt32(12),
            YearBuilt = r.GetInt32(13),
            Condition = r.GetInt32(14),
            ListingPrice = r.IsDBNull(15) ? null : r.GetDouble(15),
            Status = r.GetString(16),
            DaysOnMarket = r.GetInt32(17),
            ListedAt = r.GetFieldValue<DateOnly>(18),
            MonthlyRent = r.IsDBNull(19) ? null : r.GetDouble(19),
        }, cancellationToken);
        var users = await ReadAsync(connection, "SELECT user_id, name, segment, created_at FROM users WHERE tenant_id = @tenant ORDER BY user_id", null, r => new User
        {
            TenantId = tenantId,
            UserId = r.GetString(0),
            Name = r.GetString(1),
            Segment = r.GetString(2),
            CreatedAt = r.GetFieldValue<DateTimeOffset>(3),
        }, cancellationToken);
        var interactions = await ReadAsync(connection, """
            SELECT event_id, user_id, property_id, kind, occurred_at FROM interactions
            WHERE tenant_id = @tenant
              AND occurred_at >= (SELECT max(occurred_at) FROM interactions WHERE tenant_id = @tenant) - make_interval(days => @days)
            ORDER BY user_id, occurred_at, event_id
            """, lookbackDays, r =>
        {
            var kind = r.GetString(3);
            if (!InteractionKinds.TryParse(kind, out var parsed))
                throw new InvalidDataException($"interactions.kind: unknown value '{kind}' (event {r.GetString(0)}).");
            return new Interaction
            {
                TenantId = tenantId,
                EventId = r.GetString(0),
                UserId = r.GetString(1),
                PropertyId = r.GetString(2),
                Kind = parsed,
                OccurredAt = r.GetFieldValue<DateTimeOffset>(4),
            };
        }, cancellationToken);
        return new TwinDataset(properties, users, interactions);
    }

    private async Task<List<T>> ReadAsync<T>(NpgsqlConnection connection, string sql, int? days, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        if (days is { } d) command.Parameters.AddWithValue("days", d);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(read(reader));
        return rows;
    }
}
