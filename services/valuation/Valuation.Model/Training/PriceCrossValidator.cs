using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Evaluation;

namespace Platform.Valuation.Model.Training;

public sealed record CrossValidationResult(
    int[] Fold, double[] Predicted, double[] Low, double[] High,
    PriceMetrics Pooled, IReadOnlyList<PriceMetrics> PerFold, double IntervalCoverage, double TrainSeconds)
{
    /// <summary>Each fold model's flat half-width (log space) for its test rows, to compare the adaptive intervals with.</summary>
    public double[] FlatLogHalfWidth { get; init; } = [];
    public bool Adaptive { get; init; }
    /// <summary>How each fold's model was chosen (search, blend, intervals).</summary>
    public IReadOnlyList<PriceTrainingSummary?> FoldTraining { get; init; } = [];
    public IReadOnlyList<string> FoldTrainers { get; init; } = [];

    /// <summary>Mean of a per-fold metric.</summary>
    public double Mean(Func<PriceMetrics, double> metric) => PerFold.Average(metric);
}

/// <summary>K-fold cross-validation of the whole training recipe, with a seeded fold assignment others can reuse.</summary>
public static class PriceCrossValidator
{
    public static int[] AssignFolds(int rows, int folds, int seed) => Features.FeatureEncoder.AssignFolds(rows, folds, seed);

    public static CrossValidationResult Run(
        IReadOnlyList<SaleRecord> rows, DatasetSchema schema, int folds, PriceTrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (folds < 2 || folds > rows.Count) throw new ArgumentOutOfRangeException(nameof(folds), folds, $"--folds must be in [2, {rows.Count}]");
        var fold = AssignFolds(rows.Count, folds, options.Seed);
        var predicted = new double[rows.Count];
        var low = new double[rows.Count];
        var high = new double[rows.Count];
        var perFold = new List<PriceMetrics>();
        var flat = new double[rows.Count];
        var summaries = new List<PriceTrainingSummary?>();
        var trainers = new List<string>();
        bool adaptive = false;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int f = 0; f < folds; f++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var test = Enumerable.Range(0, rows.Count).Where(i => fold[i] == f).ToArray();
            var train = Enumerable.Range(0, rows.Count).Where(i => fold[i] != f).Select(i => rows[i]).ToList();
            progress?.Report(new TrainingProgress($"fold {f + 1}/{folds}", train.Count, clock.Elapsed));
            var model = PriceModelTrainer.Train(train, schema, options, null, cancellationToken);
            foreach (var i in test)
            {
                (predicted[i], low[i], high[i]) = model.PredictPrice(rows[i]);
                flat[i] = model.IntervalLogHalfWidth;
            }
            summaries.Add(model.Training);
            trainers.Add(model.Trainer);
            adaptive = model.AdaptiveIntervals;
            perFold.Add(MetricsCalculator.Compute([.. test.Select(i => rows[i].Price)], [.. test.Select(i => predicted[i])]));
        }
        var actual = rows.Select(r => r.Price).ToArray();
        double covered = Enumerable.Range(0, rows.Count).Count(i => actual[i] >= low[i] && actual[i] <= high[i]);
        return new CrossValidationResult(fold, predicted, low, high, MetricsCalculator.Compute(actual, predicted), perFold,
            100 * covered / rows.Count, clock.Elapsed.TotalSeconds)
        {
            FlatLogHalfWidth = flat,
            Adaptive = adaptive,
            FoldTraining = summaries,
            FoldTrainers = trainers,
        };
    }
}
