namespace Platform.MarketData.Domain;

/// <summary>Property types of the Norwegian market: flat, terraced house, semi-detached, detached house, cabin.</summary>
public static class PropertyTypes
{
    public const string Leilighet = "leilighet";
    public const string Rekkehus = "rekkehus";
    public const string Tomannsbolig = "tomannsbolig";
    public const string Enebolig = "enebolig";
    public const string Hytte = "hytte";

    public static readonly IReadOnlyList<string> All = [Leilighet, Rekkehus, Tomannsbolig, Enebolig, Hytte];
}

/// <summary>Listing status of a property.</summary>
public static class ListingStatus
{
    public const string Active = "active";
    public const string Sold = "sold";
    public const string Withdrawn = "withdrawn";

    public static readonly IReadOnlyList<string> All = [Active, Sold, Withdrawn];
}

/// <summary>A property (listing). Areas in m², prices in NOK; optional figures are null when unknown.</summary>
public sealed record Property
{
    public required string TenantId { get; init; }
    public required string PropertyId { get; init; }
    public required string PropertyType { get; init; }
    public required string Municipality { get; init; }
    public string? ZipCode { get; init; }
    public required double Latitude { get; init; }
    public required double Longitude { get; init; }
    /// <summary>Usable area (BRA), m².</summary>
    public required double UsableArea { get; init; }
    /// <summary>Gross area (BTA), m²; at least the usable area.</summary>
    public double? TotalArea { get; init; }
    public double? LotSize { get; init; }
    public required int Rooms { get; init; }
    public required int Bedrooms { get; init; }
    public required int Bathrooms { get; init; }
    public int? Floor { get; init; }
    public required int YearBuilt { get; init; }
    /// <summary>1 (needs renovation) … 5 (as new).</summary>
    public required int Condition { get; init; }
    public double? ListingPrice { get; init; }
    public required string Status { get; init; }
    public required int DaysOnMarket { get; init; }
    public required DateOnly ListedAt { get; init; }
    /// <summary>Optional monthly rent, NOK (for yield figures).</summary>
    public double? MonthlyRent { get; init; }
}

/// <summary>A completed sale of a property.</summary>
public sealed record Sale
{
    public required string TenantId { get; init; }
    public required string TransactionId { get; init; }
    public required string PropertyId { get; init; }
    public required double SoldPrice { get; init; }
    public required DateOnly SoldAt { get; init; }
}

/// <summary>An investor using the platform.</summary>
public sealed record User
{
    public required string TenantId { get; init; }
    public required string UserId { get; init; }
    public required string Name { get; init; }
    /// <summary>Investor segment (e.g. "first-time", "family", "investor", "holiday").</summary>
    public required string Segment { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>What a user did with a property. Order of strength: deal &gt; outreach &gt; like &gt; view; dislike is negative.</summary>
public enum InteractionKind
{
    View,
    Like,
    Dislike,
    Outreach,
    Deal,
}

/// <summary>One user–property interaction. <see cref="EventId"/> makes ingestion idempotent.</summary>
public sealed record Interaction
{
    public required string TenantId { get; init; }
    public required string EventId { get; init; }
    public required string UserId { get; init; }
    public required string PropertyId { get; init; }
    public required InteractionKind Kind { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
}

public static class InteractionKinds
{
    /// <summary>The lower-case wire and database name of a kind ("view", "like", "dislike", "outreach", "deal").</summary>
    public static string ToWireName(this InteractionKind kind) => kind switch
    {
        InteractionKind.View => "view",
        InteractionKind.Like => "like",
        InteractionKind.Dislike => "dislike",
        InteractionKind.Outreach => "outreach",
        InteractionKind.Deal => "deal",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool TryParse(string? value, out InteractionKind kind)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "view": kind = InteractionKind.View; return true;
            case "like" or "thumbs_up" or "thumbs-up": kind = InteractionKind.Like; return true;
            case "dislike" or "thumbs_down" or "thumbs-down": kind = InteractionKind.Dislike; return true;
            case "outreach": kind = InteractionKind.Outreach; return true;
            case "deal": kind = InteractionKind.Deal; return true;
            default: kind = default; return false;
        }
    }
}
