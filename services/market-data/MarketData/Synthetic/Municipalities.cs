using Platform.MarketData.Domain;

namespace Platform.MarketData.Synthetic;

/// <summary>
/// A municipality of the synthetic market: centre, spread of its properties, its log-price location effect,
/// how urban it is, and its mix of property types (in <see cref="PropertyTypes.All"/> order).
/// </summary>
public sealed record Municipality(
    string Name, string ZipPrefix, double Latitude, double Longitude, double SpreadKm, double Weight,
    double LocationEffect, double Urbanity, double[] TypeMix);

/// <summary>Municipalities loosely modelled on the Norwegian market (price levels relative to each other, not calibrated).</summary>
public static class Municipalities
{
    public static IReadOnlyList<Municipality> Norway { get; } =
    [
        new("Oslo", "01", 59.9139, 10.7522, 5.5, 0.22, 0.55, 1.0, [0.72, 0.10, 0.06, 0.12, 0.00]),
        new("Bærum", "13", 59.8940, 10.5460, 5.0, 0.08, 0.50, 0.5, [0.38, 0.18, 0.12, 0.32, 0.00]),
        new("Bergen", "50", 60.3913, 5.3221, 6.0, 0.12, 0.22, 0.8, [0.55, 0.14, 0.09, 0.21, 0.01]),
        new("Trondheim", "70", 63.4305, 10.3951, 5.5, 0.10, 0.18, 0.7, [0.52, 0.15, 0.10, 0.22, 0.01]),
        new("Stavanger", "40", 58.9700, 5.7331, 5.0, 0.08, 0.15, 0.7, [0.45, 0.18, 0.12, 0.25, 0.00]),
        new("Drammen", "30", 59.7439, 10.2045, 4.5, 0.06, -0.02, 0.4, [0.45, 0.15, 0.12, 0.28, 0.00]),
        new("Kristiansand", "46", 58.1599, 8.0182, 5.0, 0.06, -0.05, 0.4, [0.40, 0.15, 0.12, 0.30, 0.03]),
        new("Fredrikstad", "16", 59.2181, 10.9298, 5.0, 0.05, -0.15, 0.2, [0.35, 0.15, 0.14, 0.34, 0.02]),
        new("Tromsø", "90", 69.6492, 18.9553, 4.0, 0.05, 0.05, 0.5, [0.50, 0.14, 0.12, 0.22, 0.02]),
        new("Bodø", "80", 67.2804, 14.4049, 4.0, 0.04, -0.08, 0.3, [0.42, 0.15, 0.13, 0.28, 0.02]),
        new("Lillehammer", "26", 61.1153, 10.4663, 6.0, 0.04, -0.20, 0.0, [0.28, 0.14, 0.12, 0.36, 0.10]),
        new("Hemsedal", "35", 60.8627, 8.5530, 9.0, 0.03, -0.30, -1.0, [0.10, 0.06, 0.04, 0.15, 0.65]),
        new("Trysil", "24", 61.3147, 12.2633, 10.0, 0.03, -0.40, -1.0, [0.06, 0.04, 0.04, 0.16, 0.70]),
        new("Kragerø", "37", 58.8690, 9.4149, 7.0, 0.04, -0.25, -0.6, [0.14, 0.08, 0.08, 0.30, 0.40]),
    ];

    public static Municipality ByName(string name) =>
        Norway.FirstOrDefault(m => m.Name == name) ?? throw new ArgumentException($"Unknown municipality '{name}'.", nameof(name));
}
