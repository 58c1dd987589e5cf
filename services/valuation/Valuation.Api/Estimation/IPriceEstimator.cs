using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Api.Estimation;

/// <summary>
/// What the API needs from a loaded price model, in the model library's own types: the features a request row must give
/// (<see cref="FeatureSpec"/>), rows as <see cref="SaleRecord"/>s, <see cref="PriceEstimate"/>s and <see cref="ComparableSale"/>s
/// back. Problems with a row are <see cref="InputIssue"/>s from the model's one <see cref="InputValidator"/>; the wire contracts
/// only translate them. <see cref="PriceModelEstimator"/> adapts the library's model to it.
/// </summary>
public interface IPriceEstimator
{
    IReadOnlyList<FeatureSpec> Features { get; }

    /// <summary>Training values per numeric feature (sorted ascending), the baseline drift is measured against.</summary>
    IReadOnlyDictionary<string, double[]> TrainingDistribution { get; }

    /// <summary>Share of training sales per category, per categorical feature: the categorical drift baseline.</summary>
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> TrainingCategoryShares { get; }

    /// <summary>Estimates for a batch, in the order of <paramref name="rows"/>, each with its largest contributions.</summary>
    IReadOnlyList<PriceEstimate> Predict(IReadOnlyList<SaleRecord> rows, int topContributions);

    IReadOnlyList<ComparableSale> FindComparables(SaleRecord row, int k);
}
