using Platform.MarketData.Domain;

namespace Platform.MarketData.Synthetic;

/// <summary>A sale and its ground truth: the noise-free price on the sale date, the log-noise drawn and its sd.</summary>
public sealed record SyntheticSale(Sale Sale, double NoiseFreePrice, double LogNoise, double NoiseSd)
{
    /// <summary>|sold / noise-free − 1|: the error a perfect model would still make on this sale.</summary>
    public double IrreducibleAbsolutePercentageError => Math.Abs(Sale.SoldPrice / NoiseFreePrice - 1);
}

/// <summary>A user and their ground truth: home municipality and latent preference vector over <see cref="PreferenceFeatures"/>.</summary>
public sealed record SyntheticUser(User User, string HomeMunicipality, double[] Preferences);

/// <summary>User segments with their mean preference vectors (in <see cref="PreferenceFeatures.Names"/> order).</summary>
public static class UserSegments
{
    public sealed record Segment(string Name, double Weight, double[] MeanPreferences);

    public static IReadOnlyList<Segment> All { get; } =
    [
        //                        size  price newness cond  apart house cabin urban  bedrooms
        new("first-time", 0.35, [-0.6, -1.0, 0.2, 0.3, 0.8, -0.4, -0.8, 0.7, -0.5]),
        new("family", 0.30, [0.7, -0.3, 0.2, 0.2, -0.5, 0.9, -0.5, -0.2, 0.8]),
        new("investor", 0.20, [-0.3, -0.6, -0.2, -0.4, 0.6, 0.0, -0.6, 0.9, 0.2]),
        new("holiday", 0.15, [0.0, -0.2, 0.1, 0.2, -0.7, -0.4, 1.5, -1.0, 0.1]),
    ];

    public const double IndividualSd = 0.4;
}
