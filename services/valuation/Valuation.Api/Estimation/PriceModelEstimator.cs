using System.Globalization;
using Platform.BuildingBlocks.Registry;
using Platform.Valuation.Model;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Prediction;
using ModelComparable = Platform.Valuation.Model.Prediction.ComparableSale;
using ModelEstimate = Platform.Valuation.Model.Prediction.PriceEstimate;

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
/// Adapts <see cref="PriceModel"/> to the API: the schema's columns become request features (numeric ones with their
/// training range, categorical ones with the categories seen in training), and validated request rows become
/// <see cref="SaleRecord"/>s laid out in schema order.
/// </summary>
public sealed class PriceModelEstimator : IPriceEstimator
{
    // The trainer records a missing category under this key of the category shares.
    private const string MissingCategory = "(missing)";
    private const int DistributionPoints = 1_000;

    private readonly PriceModel _model;
    private readonly DatasetSchema _schema;

    public PriceModelEstimator(PriceModel model)
    {
        _model = model;
        _schema = model.Schema;
        var features = new List<FeatureSpec>();
        var distribution = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var categoryShares = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        for (var j = 0; j < _schema.Numeric.Count; j++)
        {
            var range = model.FeatureRanges[j];
            var hasRange = double.IsFinite(range.Min) && double.IsFinite(range.Max);
            // A feature never missing in training has no learned fallback: it must be sent.
            features.Add(new FeatureSpec(_schema.Numeric[j], FeatureKind.Numeric, Required: range.MissingShare == 0,
                hasRange ? range.Min : null, hasRange ? range.Max : null));
            if (range.Deciles.Length >= 2)
            {
                distribution[_schema.Numeric[j]] = SampleFromQuantiles(range.Deciles);
            }
        }

        for (var j = 0; j < _schema.Categorical.Count; j++)
        {
            var shares = model.CategoryShares[j];
            categoryShares[_schema.Categorical[j]] = shares;
            features.Add(new FeatureSpec(_schema.Categorical[j], FeatureKind.Categorical, Required: !shares.ContainsKey(MissingCategory),
                Categories: [.. shares.Keys.Where(k => k != MissingCategory).Order(StringComparer.Ordinal)]));
        }

        // A location outside the area the model learned from gets no estimate, like any other out-of-range feature.
        if (_schema.HasGeo)
        {
            foreach (var (column, index) in new[] { (_schema.Latitude!, 0), (_schema.Longitude!, 1) })
            {
                var range = model.GeoRanges.ElementAtOrDefault(index);
                var hasRange = range is not null && double.IsFinite(range.Min) && double.IsFinite(range.Max);
                features.Add(new FeatureSpec(column, FeatureKind.Numeric, Required: true, hasRange ? range!.Min : null, hasRange ? range!.Max : null));
            }
        }

        // Hint columns (areas, year built, segment, date) count as features only where the schema does not list them already.
        var named = features.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var column in new[] { _schema.UsableArea, _schema.TotalArea, _schema.YearBuilt })
        {
            if (column is not null && named.Add(column))
            {
                features.Add(new FeatureSpec(column, FeatureKind.Numeric, Required: false));
            }
        }

        if (_schema.Segment is { } segment && named.Add(segment))
        {
            features.Add(new FeatureSpec(segment, FeatureKind.Categorical, Required: false));
        }

        if (_schema.Date?.Column is { } date && named.Add(date))
        {
            features.Add(new FeatureSpec(date, FeatureKind.Date, Required: false));
        }

        Features = features;
        TrainingDistribution = distribution;
        TrainingCategoryShares = categoryShares;
    }

    public IReadOnlyList<FeatureSpec> Features { get; }

    public IReadOnlyDictionary<string, double[]> TrainingDistribution { get; }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> TrainingCategoryShares { get; }

    public IReadOnlyList<PriceEstimate> Predict(IReadOnlyList<FeatureRow> rows, int topContributions)
    {
        var estimates = new PriceEstimate[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            ModelEstimate estimate = _model.Predict(RecordOf(rows[i]), topContributions);
            estimates[i] = new PriceEstimate(estimate.Estimate, estimate.Low, estimate.High,
                [.. estimate.Contributions.Select(c => new FeatureContribution(c.Feature, c.Amount))]);
        }

        return estimates;
    }

    public IReadOnlyList<ComparableSale> FindComparables(FeatureRow row, int k) =>
        [.. _model.FindComparables(RecordOf(row), k).Select((ModelComparable c) => new ComparableSale(c.Id, c.Line, c.Price, c.Distance, c.DistanceKm, c.Segment)
        {
            Latitude = c.Latitude,
            Longitude = c.Longitude,
        })];

    public IReadOnlyList<FieldError> Check(FeatureRow row, bool strictCategories)
    {
        var issues = _model.Validate(RecordOf(row), strictCategories);
        return [.. issues.Where(i => i.Severity == IssueSeverity.Error).Select(i => new FieldError(i.Field, ReasonOf(i.Reason), $"'{i.Field}': {i.Reason}."))];
    }

    // Validation and prediction of one request row read the same record: convert once.
    private SaleRecord RecordOf(FeatureRow row) => row.ModelRecord ??= ToSaleRecord(row);

    private SaleRecord ToSaleRecord(FeatureRow row)
    {
        var numeric = new double[_schema.Numeric.Count];
        for (var j = 0; j < numeric.Length; j++)
        {
            numeric[j] = Number(row, _schema.Numeric[j]);
        }

        var categorical = new string?[_schema.Categorical.Count];
        for (var j = 0; j < categorical.Length; j++)
        {
            categorical[j] = row.Categorical.GetValueOrDefault(_schema.Categorical[j]);
        }

        return new SaleRecord
        {
            Id = row.PropertyId,
            Numeric = numeric,
            Categorical = categorical,
            Latitude = Number(row, _schema.Latitude),
            Longitude = Number(row, _schema.Longitude),
            UsableArea = Number(row, _schema.UsableArea),
            TotalArea = Number(row, _schema.TotalArea),
            YearBuilt = Number(row, _schema.YearBuilt),
            Segment = _schema.Segment is { } segment ? row.Categorical.GetValueOrDefault(segment) : null,
            SaleDate = _schema.Date?.Column is { } date && row.Categorical.TryGetValue(date, out var text)
                ? DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)
                : null,
        };
    }

    private static double Number(FeatureRow row, string? column) =>
        column is not null && row.Numeric.TryGetValue(column, out var value) ? value : double.NaN;

    private static RejectionReason ReasonOf(string reason) =>
        reason.Contains("infinite", StringComparison.OrdinalIgnoreCase) ? RejectionReason.NotFinite
        : reason.Contains("missing", StringComparison.OrdinalIgnoreCase) ? RejectionReason.MissingFeature
        : reason.Contains("category", StringComparison.OrdinalIgnoreCase) ? RejectionReason.UnknownCategory
        : RejectionReason.OutOfRange;

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
