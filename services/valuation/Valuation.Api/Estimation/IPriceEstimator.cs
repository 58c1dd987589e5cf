using Platform.Valuation.Model.Data;

namespace Platform.Valuation.Api.Estimation;

public enum FeatureKind
{
    Numeric,
    Categorical,

    /// <summary>A date as an ISO 8601 string (kept with the categorical values of a <see cref="FeatureRow"/>).</summary>
    Date,
}

/// <summary>An input the model reads, with what training saw of it (range or categories) so requests can be checked against it.</summary>
public sealed record FeatureSpec(
    string Name,
    FeatureKind Kind,
    bool Required,
    double? Min = null,
    double? Max = null,
    IReadOnlyList<string>? Categories = null);

/// <summary>One validated request row: every numeric value finite, every category known (in strict mode).</summary>
public sealed class FeatureRow(string? propertyId)
{
    public string? PropertyId { get; } = propertyId;

    public Dictionary<string, double> Numeric { get; } = new(StringComparer.Ordinal);

    /// <summary>Categorical values, and dates as validated ISO 8601 strings.</summary>
    public Dictionary<string, string> Categorical { get; } = new(StringComparer.Ordinal);

    /// <summary>The row as the price model reads it, made once by the estimator that validates and prices it.</summary>
    internal SaleRecord? ModelRecord { get; set; }
}

/// <summary>How much one feature moved this estimate, in price units.</summary>
public sealed record FeatureContribution(string Feature, double Amount);

public sealed record PriceEstimate(double Estimate, double Low, double High, IReadOnlyList<FeatureContribution> Contributions);

/// <summary>A sold property like the one estimated; <see cref="Line"/> is its line in the training file when it has no id.</summary>
public sealed record ComparableSale(string? PropertyId, int Line, double Price, double Distance, double? DistanceKm, string? Segment)
{
    public double? Latitude { get; init; }

    public double? Longitude { get; init; }
}

/// <summary>
/// What the API needs from a loaded price model. Kept narrow so the web layer does not depend on how the model library
/// builds feature vectors; <see cref="PriceModelEstimator"/> adapts the library's model to it.
/// </summary>
public interface IPriceEstimator
{
    IReadOnlyList<FeatureSpec> Features { get; }

    /// <summary>Training values per numeric feature (sorted ascending), the baseline drift is measured against.</summary>
    IReadOnlyDictionary<string, double[]> TrainingDistribution { get; }

    /// <summary>Share of training sales per category, per categorical feature: the categorical drift baseline.</summary>
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> TrainingCategoryShares { get; }

    /// <summary>Estimates for a batch, in the order of <paramref name="rows"/>, each with its largest contributions.</summary>
    IReadOnlyList<PriceEstimate> Predict(IReadOnlyList<FeatureRow> rows, int topContributions);

    /// <summary>Problems the model itself finds in a row the API's checks passed (e.g. coordinates off the globe).</summary>
    IReadOnlyList<FieldError> Check(FeatureRow row, bool strictCategories);

    IReadOnlyList<ComparableSale> FindComparables(FeatureRow row, int k);
}
