using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>
/// A small deterministic market per tenant with two clear tastes: "city" users like central, small flats (leilighet) and dislike
/// detached houses; "family" users like large suburban houses (enebolig) and dislike flats. Ids carry the tenant prefix so a
/// leak across tenants is visible in any response.
/// </summary>
public sealed class TwinTestMarket
{
    public const int PropertiesPerKind = 40;
    public const int UsersPerTaste = 5;

    public TwinTestMarket(string tenantId, int seed)
    {
        TenantId = tenantId;
        var random = new Random(seed);
        var properties = new List<Property>();
        for (var i = 0; i < 3 * PropertiesPerKind; i++)
        {
            properties.Add((i % 3) switch
            {
                0 => Flat(random, $"{tenantId}-p{i:D3}"),
                1 => House(random, $"{tenantId}-p{i:D3}"),
                _ => Other(random, $"{tenantId}-p{i:D3}"),
            });
        }

        Properties = properties;
        var users = new List<User>();
        var interactions = new List<Interaction>();
        var flats = properties.Where(p => p.PropertyType == PropertyTypes.Leilighet).ToList();
        var houses = properties.Where(p => p.PropertyType == PropertyTypes.Enebolig).ToList();
        for (var u = 0; u < 2 * UsersPerTaste; u++)
        {
            var city = u < UsersPerTaste;
            var user = new User
            {
                TenantId = tenantId,
                UserId = $"u{u:D2}",
                Name = $"User {u}",
                Segment = city ? "first-time" : "family",
                CreatedAt = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
            };
            users.Add(user);
            var liked = city ? flats : houses;
            var disliked = city ? houses : flats;
            var at = new DateTimeOffset(2024, 2, 1, 0, 0, 0, TimeSpan.Zero).AddHours(u);
            var picks = liked.OrderBy(_ => random.Next()).Take(14).ToList();
            for (var k = 0; k < picks.Count; k++)
            {
                var kind = k switch { 0 => InteractionKind.Deal, < 3 => InteractionKind.Outreach, < 8 => InteractionKind.Like, _ => InteractionKind.View };
                interactions.Add(Interaction(user.UserId, picks[k].PropertyId, kind, at.AddMinutes(k)));
            }

            foreach (var (property, k) in disliked.OrderBy(_ => random.Next()).Take(3).Select((p, k) => (p, k)))
            {
                interactions.Add(Interaction(user.UserId, property.PropertyId, InteractionKind.Dislike, at.AddMinutes(30 + k)));
            }
        }

        // Known to the tenant, never interacted: served from popularity.
        users.Add(new User { TenantId = tenantId, UserId = NewUserId, Name = "Newcomer", Segment = "investor", CreatedAt = new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero) });
        Users = users;
        Interactions = interactions;
    }

    public const string NewUserId = "u-new";

    public string TenantId { get; }

    public IReadOnlyList<Property> Properties { get; }

    public IReadOnlyList<User> Users { get; }

    public IReadOnlyList<Interaction> Interactions { get; }

    public static IEnumerable<string> CityUsers => Enumerable.Range(0, UsersPerTaste).Select(u => $"u{u:D2}");

    public static IEnumerable<string> FamilyUsers => Enumerable.Range(UsersPerTaste, UsersPerTaste).Select(u => $"u{u:D2}");

    private Interaction Interaction(string userId, string propertyId, InteractionKind kind, DateTimeOffset at) => new()
    {
        TenantId = TenantId,
        EventId = $"{TenantId}-{userId}-{propertyId}-{kind}".ToLowerInvariant(),
        UserId = userId,
        PropertyId = propertyId,
        Kind = kind,
        OccurredAt = at,
    };

    private Property Flat(Random random, string id) => Base(random, id) with
    {
        PropertyType = PropertyTypes.Leilighet,
        Municipality = "Oslo",
        Latitude = 59.91 + (random.NextDouble() - 0.5) * 0.04,
        Longitude = 10.75 + (random.NextDouble() - 0.5) * 0.06,
        UsableArea = 35 + random.Next(50),
        Rooms = 2 + random.Next(2),
        Bedrooms = 1 + random.Next(2),
        Bathrooms = 1,
        Floor = 1 + random.Next(6),
        YearBuilt = 1950 + random.Next(70),
        ListingPrice = 3_000_000 + random.Next(3_000_000),
    };

    private Property House(Random random, string id) => Base(random, id) with
    {
        PropertyType = PropertyTypes.Enebolig,
        Municipality = "Lorenskog",
        Latitude = 60.05 + (random.NextDouble() - 0.5) * 0.1,
        Longitude = 10.95 + (random.NextDouble() - 0.5) * 0.1,
        UsableArea = 150 + random.Next(100),
        LotSize = 600 + random.Next(800),
        Rooms = 6 + random.Next(3),
        Bedrooms = 4 + random.Next(2),
        Bathrooms = 2,
        YearBuilt = 1970 + random.Next(50),
        ListingPrice = 8_000_000 + random.Next(6_000_000),
    };

    private Property Other(Random random, string id) => Base(random, id) with
    {
        PropertyType = new[] { PropertyTypes.Rekkehus, PropertyTypes.Tomannsbolig, PropertyTypes.Hytte }[random.Next(3)],
        Municipality = "Baerum",
        Latitude = 59.95 + (random.NextDouble() - 0.5) * 0.1,
        Longitude = 10.6 + (random.NextDouble() - 0.5) * 0.1,
        UsableArea = 90 + random.Next(60),
        Rooms = 4 + random.Next(2),
        Bedrooms = 2 + random.Next(3),
        Bathrooms = 1 + random.Next(2),
        YearBuilt = 1960 + random.Next(60),
        ListingPrice = 5_000_000 + random.Next(4_000_000),
    };

    private Property Base(Random random, string id) => new()
    {
        TenantId = TenantId,
        PropertyId = id,
        PropertyType = PropertyTypes.Leilighet,
        Municipality = string.Empty,
        Latitude = 0,
        Longitude = 0,
        UsableArea = 1,
        Rooms = 1,
        Bedrooms = 0,
        Bathrooms = 0,
        YearBuilt = 2000,
        Condition = 1 + random.Next(5),
        // Mostly active listings, some sold or withdrawn, so the default status filter has something to drop.
        Status = random.Next(10) switch { < 8 => ListingStatus.Active, 8 => ListingStatus.Sold, _ => ListingStatus.Withdrawn },
        DaysOnMarket = random.Next(120),
        ListedAt = new DateOnly(2024, 1, 1).AddDays(random.Next(60)),
    };
}
