using Platform.MarketData.Domain;

namespace Platform.MarketData.Tests;

internal static class TestData
{
    public static Property Property(string tenant, string id, double area = 70) => new()
    {
        TenantId = tenant,
        PropertyId = id,
        PropertyType = PropertyTypes.Leilighet,
        Municipality = "Oslo",
        ZipCode = "0150",
        Latitude = 59.91,
        Longitude = 10.75,
        UsableArea = area,
        Rooms = 3,
        Bedrooms = 2,
        Bathrooms = 1,
        Floor = 2,
        YearBuilt = 1990,
        Condition = 3,
        ListingPrice = 5_000_000,
        Status = ListingStatus.Active,
        DaysOnMarket = 10,
        ListedAt = new DateOnly(2024, 3, 1),
    };

    public static Interaction Interaction(string tenant, string eventId, string user, string property, InteractionKind kind = InteractionKind.View) => new()
    {
        TenantId = tenant,
        EventId = eventId,
        UserId = user,
        PropertyId = property,
        Kind = kind,
        OccurredAt = new DateTimeOffset(2024, 3, 2, 12, 0, 0, TimeSpan.Zero),
    };
}
