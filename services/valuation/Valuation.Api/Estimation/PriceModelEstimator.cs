using System.Globalization;
using Platform.BuildingBlocks.Registry;
using Platform.Valuation.Model;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Api.Estimation;

/// <summary>Loads the model library's <see cref="PriceModel"/> file (a zip) for the API.</summary>
public sealed class PriceModelLoader : IModelLoader<ValuationModel>
{
    public ValuationModel Load(byte[] modelFile)
    {
        using var stream = new MemoryStream(modelFile, writable: false);
        return new ValuationModel(new PriceModelEstimator(PriceModel.Load(stream)));
    }
}

/// <summary>
/// Adapts <see cref="PriceModel"/> to the API: its features and predictions pass through, and its training summary
/// becomes the drift baselines (a sample per numeric feature, shares per categorical one).
/// </summary>
public sealed class PriceModelEstimator : IPriceEstimator
{
    private const int DistributionPoints = 1_000;

    private readonly PriceModel _model;

    public PriceModelEstimator(PriceModel model)
    {
        _model = model;
        var schema = model.Schema;
        var distribution = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var categoryShares = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        for (var j = 0; j < schema.Numeric.Count; j++)
        {
            if (model.FeatureRanges[j].Deciles.Length >= 2)
            {
                distribution[schema.Numeric[j]] = SampleFromQuantiles(model.FeatureRanges[j].Deciles);
            }
        }

        for (var j = 0; j < schema.Categorical.Count; j++)
        {
            categoryShares[schema.Categorical[j]] = model.CategoryShares[j];
        }

        TrainingDistribution = distribution;
        TrainingCategoryShares = categoryShares;
    }

    public IReadOnlyList<FeatureSpec> Features => _model.Inputs;

    public IReadOnlyDictionary<string, double[]> TrainingDistribution { get; }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> TrainingCategoryShares { get; }

    public IReadOnlyList<PriceEstimate> Predict(IReadOnlyList<SaleRecord> rows, int topContributions) => _model.Predict(rows, topContributions);

    public IReadOnlyList<ComparableSale> FindComparables(SaleRecord row, int k) => _model.FindComparables(row, k);

    /// <summary>
    /// The model stores each numeric feature's training distribution as quantiles (min, deciles, max); drift needs a
    /// sample, so this reads the quantile function, interpolated linearly, at evenly spaced levels.
    /// </summary>
    internal static double[] SampleFromQuantiles(double[] quantiles)
    {
        var sample = new double[DistributionPoints];
        var steps = quantiles.Length - 1;
        for (var i = 0; i < sample.Length; i++)
        {
            var position = (i + 0.5) / sample.Length * steps;
            var lower = Math.Min((int)position, steps - 1);
            sample[i] = quantiles[lower] + (quantiles[lower + 1] - quantiles[lower]) * (position - lower);
        }

        return sample;
    }
}
