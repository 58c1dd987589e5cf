using System.Collections.Frozen;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Api.Estimation;

/// <summary>A loaded price model plus what request validation needs, built once per load rather than per request.</summary>
public sealed class ValuationModel
{
    private readonly FrozenDictionary<string, FeatureSpec> _byName;

    public ValuationModel(IPriceEstimator estimator)
    {
        Estimator = estimator;
        Features = estimator.Features;
        Validator = new InputValidator(Features);
        _byName = Features.GroupBy(f => f.Name, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    public IPriceEstimator Estimator { get; }

    public IReadOnlyList<FeatureSpec> Features { get; }

    /// <summary>The model's one input check, the same rules the model library applies to a CSV row.</summary>
    public InputValidator Validator { get; }

    public FeatureSpec? Feature(string name) => _byName.GetValueOrDefault(name);
}
