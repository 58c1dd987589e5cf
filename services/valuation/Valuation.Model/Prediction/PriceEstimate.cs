namespace Platform.Valuation.Model.Prediction;

/// <summary>A feature's share of an estimate in price units: positive raises the price above the baseline.</summary>
public sealed record FeatureContribution(string Feature, double Amount);

/// <summary>
/// An estimate with its conformal interval. Contributions (largest first, when asked for) add up to
/// Estimate − Baseline, the model's price for a typical training sale.
/// </summary>
public sealed record PriceEstimate(double Estimate, double Low, double High, double Baseline, IReadOnlyList<FeatureContribution> Contributions);

/// <summary>A sold property close to the one being valued, with its normalised distance (0 = identical).</summary>
public sealed record ComparableSale(string? PropertyId, int Line, double Price, double Distance, double? DistanceKm, string? Segment)
{
    /// <summary>Where the sale is, when its row had coordinates (the dashboard maps subject and comparables).</summary>
    public double? Latitude { get; init; }

    public double? Longitude { get; init; }
}
