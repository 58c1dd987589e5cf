using Platform.MarketData.Domain;

namespace Platform.MarketData.Synthetic;

/// <summary>
/// The property attributes users have latent preferences over, roughly standardised. A user's utility for a
/// property is the dot product of their preference vector with these features (plus idiosyncratic noise).
/// </summary>
public static class PreferenceFeatures
{
    public static IReadOnlyList<string> Names { get; } =
        ["size", "price", "newness", "condition", "apartment", "house", "cabin", "urbanity", "bedrooms"];

    public static int Count => Names.Count;

    /// <summary>Writes the features of <paramref name="property"/> into <paramref name="destination"/> (length <see cref="Count"/>).</summary>
    public static void Compute(Property property, Municipality municipality, Span<double> destination)
    {
        var type = HedonicPriceModel.TypeIndex(property.PropertyType);
        destination[0] = (Math.Log(property.UsableArea) - 4.5) / 0.5;
        destination[1] = (Math.Log(property.ListingPrice ?? 4_000_000) - 15.2) / 0.55;
        destination[2] = (property.YearBuilt - 1980) / 25.0;
        destination[3] = property.Condition - 3;
        destination[4] = type == 0 ? 1 : 0;
        destination[5] = type is 1 or 2 or 3 ? 1 : 0;
        destination[6] = type == 4 ? 1 : 0;
        destination[7] = municipality.Urbanity;
        destination[8] = (property.Bedrooms - 2.5) / 1.2;
    }

    public static double[] Compute(Property property, Municipality municipality)
    {
        var features = new double[Count];
        Compute(property, municipality, features);
        return features;
    }
}
