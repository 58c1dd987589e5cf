using Npgsql;
using Platform.MarketData.Domain;

namespace Platform.MarketData.Postgres;

/// <summary>Column lists and row mappers shared by the stores, so each table's SQL shape lives in one place.</summary>
internal static class PostgresReaders
{
    public const string PropertyColumns =
        "tenant_id, property_id, property_type, municipality, zip_code, latitude, longitude, usable_area, total_area, lot_size, " +
        "rooms, bedrooms, bathrooms, floor, year_built, condition, listing_price, status, days_on_market, listed_at, monthly_rent";

    public const string SaleColumns = "tenant_id, transaction_id, property_id, sold_price, sold_at";
    public const string UserColumns = "tenant_id, user_id, name, segment, created_at";
    public const string InteractionColumns = "tenant_id, event_id, user_id, property_id, kind, occurred_at";

    /// <summary>Reads a property from <paramref name="offset"/> in the order of <see cref="PropertyColumns"/>.</summary>
    public static Property ReadProperty(NpgsqlDataReader r, int offset = 0) => new()
    {
        TenantId = r.GetString(offset),
        PropertyId = r.GetString(offset + 1),
        PropertyType = r.GetString(offset + 2),
        Municipality = r.GetString(offset + 3),
        ZipCode = r.IsDBNull(offset + 4) ? null : r.GetString(offset + 4),
        Latitude = r.GetDouble(offset + 5),
        Longitude = r.GetDouble(offset + 6),
        UsableArea = r.GetDouble(offset + 7),
        TotalArea = r.IsDBNull(offset + 8) ? null : r.GetDouble(offset + 8),
        LotSize = r.IsDBNull(offset + 9) ? null : r.GetDouble(offset + 9),
        Rooms = r.GetInt32(offset + 10),
        Bedrooms = r.GetInt32(offset + 11),
        Bathrooms = r.GetInt32(offset + 12),
        Floor = r.IsDBNull(offset + 13) ? null : r.GetInt32(offset + 13),
        YearBuilt = r.GetInt32(offset + 14),
        Condition = r.GetInt32(offset + 15),
        ListingPrice = r.IsDBNull(offset + 16) ? null : r.GetDouble(offset + 16),
        Status = r.GetString(offset + 17),
        DaysOnMarket = r.GetInt32(offset + 18),
        ListedAt = r.GetFieldValue<DateOnly>(offset + 19),
        MonthlyRent = r.IsDBNull(offset + 20) ? null : r.GetDouble(offset + 20),
    };

    public static Sale ReadSale(NpgsqlDataReader r, int offset = 0) => new()
    {
        TenantId = r.GetString(offset),
        TransactionId = r.GetString(offset + 1),
        PropertyId = r.GetString(offset + 2),
        SoldPrice = r.GetDouble(offset + 3),
        SoldAt = r.GetFieldValue<DateOnly>(offset + 4),
    };

    public static User ReadUser(NpgsqlDataReader r) => new()
    {
        TenantId = r.GetString(0),
        UserId = r.GetString(1),
        Name = r.GetString(2),
        Segment = r.GetString(3),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(4),
    };

    public static Interaction ReadInteraction(NpgsqlDataReader r)
    {
        var kind = r.GetString(4);
        return new Interaction
        {
            TenantId = r.GetString(0),
            EventId = r.GetString(1),
            UserId = r.GetString(2),
            PropertyId = r.GetString(3),
            Kind = InteractionKinds.TryParse(kind, out var parsed) ? parsed : throw new InvalidDataException($"interactions.kind '{kind}' is unknown."),
            OccurredAt = r.GetFieldValue<DateTimeOffset>(5),
        };
    }

    public static object Db<T>(T? value) where T : struct => value.HasValue ? value.Value : DBNull.Value;

    public static object Db(string? value) => value is null ? DBNull.Value : value;
}
