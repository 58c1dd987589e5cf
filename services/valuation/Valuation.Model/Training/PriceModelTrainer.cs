using System.Diagnostics;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Features;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Model.Training;

/// <summary>
/// Trains a <see cref="PriceModel"/>: a calibration split sets the conformal interval width, then the model is
/// refitted on all rows. Deterministic for a given seed and thread count.
/// </summary>
public static class PriceModelTrainer
{
    public static PriceModel Train(
        IReadOnlyList<SaleRecord> rows, DatasetSchema schema, PriceTrainingOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new PriceTrainingOptions();
        if (rows.Count < 10) throw new ArgumentException($"need at least 10 training sales, got {rows.Count}", nameof(rows));
        if (options.IntervalLevel is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(options), "interval level must be in (0, 1)");
        var clock = Stopwatch.StartNew();
        void Report(string phase, int n) => progress?.Report(new TrainingProgress(phase, n, clock.Elapsed));
        var encoderOptions = options.Encoder with { Seed = options.Seed };

        // 1. Calibration: fit on part of the data, measure log residuals on the rest (split conformal).
        var order = Enumerable.Range(0, rows.Count).ToArray();
        new Random(options.Seed ^ 0x5EED).Shuffle(order);
        int nCal = Math.Clamp((int)Math.Round(rows.Count * options.CalibrationFraction), 5, Math.Max(5, Math.Min(options.MaxCalibrationRows, rows.Count / 2)));
        var calibration = order.Take(nCal).Select(i => rows[i]).ToList();
        var proper = order.Skip(nCal).Select(i => rows[i]).ToList();
        Report("calibration: encode features", proper.Count);
        var (calEncoder, calFeatures) = FeatureEncoder.FitTransform(proper, schema, encoderOptions);
        cancellationToken.ThrowIfCancellationRequested();
        Report("calibration: fit trees", proper.Count);
        var calModel = TreeModelFitter.Fit(calFeatures, [.. proper.Select(r => r.Price)], options);
        cancellationToken.ThrowIfCancellationRequested();
        var residuals = new double[nCal];
        var buffer = new float[calEncoder.Width];
        for (int i = 0; i < nCal; i++)
        {
            calEncoder.Encode(calibration[i], buffer);
            residuals[i] = Math.Abs(double.LogP1(calibration[i].Price) - calModel.Ensemble.Predict(buffer));
        }
        Array.Sort(residuals);
        // Finite-sample conformal quantile: the ceil((n+1)·level)-th smallest residual. When the final model is
        // refitted on all rows its errors are a little smaller than the calibration model's, which already errs on
        // the wide side, so the plain empirical quantile is used there to avoid stacking two conservative margins.
        bool refit = rows.Count < options.RefitBelowRows;
        int rank = Math.Clamp((int)Math.Ceiling((refit ? nCal : nCal + 1) * options.IntervalLevel), 1, nCal);
        double halfWidth = residuals[rank - 1];

        // 2. Final model: refit on all rows when data is scarce; otherwise keep the calibrated model.
        var encoder = calEncoder;
        var features = calFeatures;
        var fitted = calModel;
        if (refit)
        {
            Report("final: encode features", rows.Count);
            (encoder, features) = FeatureEncoder.FitTransform(rows, schema, encoderOptions);
            cancellationToken.ThrowIfCancellationRequested();
            Report("final: fit trees", rows.Count);
            fitted = TreeModelFitter.Fit(features, [.. rows.Select(r => r.Price)], options);
        }
        Report("final: summarise training data", rows.Count);

        var state = new PriceModelState
        {
            Trainer = options.Trainer == PriceTrainerKind.LightGbm ? "LightGbm" : "FastTree",
            IntervalLevel = options.IntervalLevel,
            IntervalLogHalfWidth = halfWidth,
            TrainingRows = rows.Count,
            Encoder = encoder.State,
            Ensemble = fitted.Ensemble,
            Comparables = ComparablesIndex.Build(rows),
            Ranges = [.. schema.Numeric.Select((name, j) => Range(name, [.. rows.Select(r => r.Numeric[j])]))],
            GeoRanges = schema.HasGeo
                ? [Range(schema.Latitude!, [.. rows.Select(r => r.Latitude)]), Range(schema.Longitude!, [.. rows.Select(r => r.Longitude)])]
                : null,
            PriceDeciles = Deciles([.. rows.Select(r => r.Price)]),
            CategoryShares = [.. schema.Categorical.Select((_, j) => rows
                .GroupBy(r => r.Categorical[j] ?? "(missing)", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (double)g.Count() / rows.Count, StringComparer.Ordinal))],
            FeatureImportance = Importance(fitted.Ensemble, encoder, features),
        };
        Report("done", rows.Count);
        return new PriceModel(state, fitted.MlNetModel);
    }

    private static FeatureRange Range(string name, double[] values)
    {
        var present = values.Where(double.IsFinite).ToArray();
        return new FeatureRange(name,
            present.Length > 0 ? present.Min() : double.NaN,
            present.Length > 0 ? present.Max() : double.NaN,
            Deciles(present),
            1 - (double)present.Length / values.Length);
    }

    private static double[] Deciles(double[] values)
    {
        if (values.Length == 0) return [];
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return [.. Enumerable.Range(0, 11).Select(q => Stats.SortedQuantile(sorted, q / 10.0))];
    }

    /// <summary>Mean |contribution| per feature group over (up to 2,000 evenly spaced) training rows.</summary>
    private static Dictionary<string, double> Importance(TreeEnsemble ensemble, FeatureEncoder encoder, float[][] features)
    {
        var groups = encoder.GroupNames.ToList();
        var slotGroup = encoder.SlotGroups.Select(g => groups.IndexOf(g)).ToArray();
        var total = new double[groups.Count];
        var slots = new double[encoder.Width];
        var perGroup = new double[groups.Count];
        int sample = Math.Min(features.Length, 2000);
        for (int s = 0; s < sample; s++)
        {
            Array.Clear(slots);
            Array.Clear(perGroup);
            ensemble.PredictWithContributions(features[(int)((long)s * features.Length / sample)], slots);
            for (int i = 0; i < slots.Length; i++) perGroup[slotGroup[i]] += slots[i];
            for (int g = 0; g < groups.Count; g++) total[g] += Math.Abs(perGroup[g]);
        }
        return groups.Select((g, i) => (g, v: total[i] / sample)).OrderByDescending(t => t.v)
            .ToDictionary(t => t.g, t => t.v);
    }
}
