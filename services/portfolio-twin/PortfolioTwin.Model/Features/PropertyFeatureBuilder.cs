using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Model.Features;

/// <summary>
/// Turns a <see cref="Property"/> (plus an optional estimated value from the valuation model) into the 25 raw
/// encoder features. Shared by training and serving so both see the same vector. Money and areas enter as
/// log1p so that scale differences between a cabin and a city flat do not dominate; unknown figures are NaN
/// here and become the training mean (0 after scaling) in <see cref="FeatureScaler"/>.
/// </summary>
public static class PropertyFeatureBuilder
{
    public const int FeatureCount = 25;

    public static IReadOnlyList<string> FeatureNames { get; } =
    [
        "log_listing_price", "log_price_per_m2", "log_estimated_value", "has_estimated_value", "gross_yield", "has_yield",
        "bedrooms", "bathrooms", "log_usable_area", "log_lot_size", "age_years",
        "latitude", "longitude",
        "log_days_on_market", "status_active", "status_sold", "status_withdrawn",
        "condition",
        "type_leilighet", "type_rekkehus", "type_tomannsbolig", "type_enebolig", "type_hytte",
        "rooms", "floor",
    ];

    /// <summary>Indices of 0/1 indicator features: they are left unscaled.</summary>
    public static IReadOnlySet<int> IndicatorFeatures { get; } = new HashSet<int> { 3, 5, 14, 15, 16, 18, 19, 20, 21, 22 };

    public static float[] Build(Property property, double? estimatedValue = null)
    {
        var features = new float[FeatureCount];
        Build(property, estimatedValue, features);
        return features;
    }

    public static void Build(Property property, double? estimatedValue, Span<float> destination)
    {
        if (destination.Length != FeatureCount)
        {
            throw new ArgumentException($"destination must hold {FeatureCount} features (got {destination.Length}).", nameof(destination));
        }

        var price = property.ListingPrice ?? estimatedValue;
        destination[0] = LogOrMissing(price);
        destination[1] = price is > 0 && property.UsableArea > 0 ? (float)Math.Log(price.Value / property.UsableArea) : float.NaN;
        destination[2] = LogOrMissing(estimatedValue ?? property.ListingPrice);
        destination[3] = estimatedValue is > 0 ? 1 : 0;
        var hasYield = property.MonthlyRent is > 0 && price is > 0;
        destination[4] = hasYield ? (float)(property.MonthlyRent!.Value * 12 / price!.Value) : float.NaN;
        destination[5] = hasYield ? 1 : 0;
        destination[6] = property.Bedrooms;
        destination[7] = property.Bathrooms;
        destination[8] = (float)Math.Log(Math.Max(1, property.UsableArea));
        destination[9] = property.LotSize is { } lot ? (float)Math.Log(1 + lot) : 0;
        destination[10] = Math.Max(0, property.ListedAt.Year - property.YearBuilt);
        destination[11] = (float)property.Latitude;
        destination[12] = (float)property.Longitude;
        destination[13] = (float)Math.Log(1 + Math.Max(0, property.DaysOnMarket));
        destination[14] = property.Status == ListingStatus.Active ? 1 : 0;
        destination[15] = property.Status == ListingStatus.Sold ? 1 : 0;
        destination[16] = property.Status == ListingStatus.Withdrawn ? 1 : 0;
        destination[17] = property.Condition;
        for (var t = 0; t < PropertyTypes.All.Count; t++)
        {
            destination[18 + t] = property.PropertyType == PropertyTypes.All[t] ? 1 : 0;
        }
        destination[23] = property.Rooms;
        destination[24] = property.Floor ?? 0;
    }

    private static float LogOrMissing(double? value) => value is > 0 ? (float)Math.Log(value.Value) : float.NaN;
}
