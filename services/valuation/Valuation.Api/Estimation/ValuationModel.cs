using System.Collections.Frozen;

namespace Platform.Valuation.Api.Estimation;

/// <summary>A loaded price model plus the lookups request validation needs, built once per load rather than per request.</summary>
public sealed class ValuationModel
{
    public ValuationModel(IPriceEstimator estimator)
    {
        Estimator = estimator;
        Features = estimator.Features;
        Categories = estimator.Features
            .Where(f => f.Kind == FeatureKind.Categorical && f.Categories is not null)
            .ToFrozenDictionary(f => f.Name, f => f.Categories!.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    public IPriceEstimator Estimator { get; }

    public IReadOnlyList<FeatureSpec> Features { get; }

    /// <summary>Known categories per categorical feature.</summary>
    public FrozenDictionary<string, FrozenSet<string>> Categories { get; }
}
