using Platform.Valuation.Model.Features;

namespace Platform.Valuation.Model.Training;

public enum PriceTrainerKind { LightGbm, FastTree }

/// <summary>How to train the price model. Defaults were chosen by 5-fold CV on the real data sets (see the report).</summary>
public sealed record PriceTrainingOptions
{
    public PriceTrainerKind Trainer { get; init; } = PriceTrainerKind.LightGbm;
    public int Seed { get; init; } = 42;
    /// <summary>Coverage the prediction intervals aim for, e.g. 0.8.</summary>
    public double IntervalLevel { get; init; } = 0.8;
    /// <summary>Share of training rows held back to calibrate the conformal intervals.</summary>
    public double CalibrationFraction { get; init; } = 0.2;
    /// <summary>Most rows held back for calibration; 5,000 residuals pin an 80 % quantile to well under a point.</summary>
    public int MaxCalibrationRows { get; init; } = 5_000;
    /// <summary>
    /// Below this many rows the model is refitted on all rows after calibration (small data needs every sale);
    /// above it the calibrated model is kept as is, which halves training time and keeps the conformal guarantee exact.
    /// </summary>
    public int RefitBelowRows { get; init; } = 20_000;
    public int Iterations { get; init; } = 800;
    public int Leaves { get; init; } = 7;
    public int MinRowsPerLeaf { get; init; } = 10;
    public double LearningRate { get; init; } = 0.02;
    public double FeatureFraction { get; init; } = 0.8;
    public double SubsampleFraction { get; init; } = 0.8;
    public double L2 { get; init; } = 1.0;
    /// <summary>
    /// From this many rows on, fewer, larger trees at a higher learning rate (at most 200 trees, at least 31 leaves,
    /// learning rate at least 0.1): large data supports them, and prediction cost grows with the number of trees.
    /// </summary>
    public int LargeDataRows { get; init; } = 20_000;
    /// <summary>
    /// Threads for tree learning. One by default: LightGBM's OpenMP workers busy-wait, which on a shared or
    /// oversubscribed machine costs several times the CPU of one thread, and one thread makes results independent
    /// of the core count. Raise it on a dedicated machine.
    /// </summary>
    public int Threads { get; init; } = 1;
    public FeatureEncoderOptions Encoder { get; init; } = new();

    /// <summary>
    /// Seconds for the cross-validated hyperparameter search; null skips the search and trains with the settings above.
    /// The candidate sequence is fixed by <see cref="Seed"/>; the budget (or <see cref="TuneMaxTrials"/>) decides how many are tried.
    /// </summary>
    public double? TuneSeconds { get; init; }
    /// <summary>Most candidates the search tries; when it is reached before the budget the result no longer depends on machine speed.</summary>
    public int TuneMaxTrials { get; init; } = 40;
    /// <summary>Folds of the search's cross-validation (also used for the out-of-fold predictions the blend and intervals learn from).</summary>
    public int TuneFolds { get; init; } = 5;
    /// <summary>Most sales the search, blend and interval models learn from (a seeded sample of larger training sets).</summary>
    public int SearchMaxRows { get; init; } = 20_000;
    /// <summary>Fold models fitted at once during the search (each with <see cref="Threads"/> threads).</summary>
    public int SearchParallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>
    /// Consider a blend of LightGBM, FastTree and a ridge model; it is kept only when it beats the best single model out of
    /// fold. FastTree joins only below <see cref="LargeDataRows"/>: above, it would double training and prediction cost.
    /// </summary>
    public bool Ensemble { get; init; } = true;
    /// <summary>Width of the intervals follows a model of each estimate's absolute log error (normalised split conformal).</summary>
    public bool AdaptiveIntervals { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when one is out of range.</summary>
    public void Validate()
    {
        if (TuneSeconds is { } budget && !(budget > 0))
            throw new ArgumentOutOfRangeException(nameof(TuneSeconds), budget, $"tuning budget (--tune-seconds) must be greater than 0 seconds, got {budget}");
        if (TuneMaxTrials < 1) throw new ArgumentOutOfRangeException(nameof(TuneMaxTrials), TuneMaxTrials, $"--tune-trials must be at least 1, got {TuneMaxTrials}");
        if (TuneFolds < 2) throw new ArgumentOutOfRangeException(nameof(TuneFolds), TuneFolds, $"tuning folds must be at least 2, got {TuneFolds}");
        if (IntervalLevel is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(IntervalLevel), IntervalLevel, "interval level must be in (0, 1)");
        if (Iterations < 1 || Leaves < 2 || LearningRate <= 0) throw new ArgumentOutOfRangeException(nameof(Iterations), "iterations ≥ 1, leaves ≥ 2 and learning rate > 0 are required");
    }
}

/// <summary>The boosting settings one search candidate (or the final model) uses.</summary>
public sealed record BoostingParameters
{
    public required int Iterations { get; init; }
    public required int Leaves { get; init; }
    public required int MinRowsPerLeaf { get; init; }
    public required double LearningRate { get; init; }
    public required double FeatureFraction { get; init; }
    public required double SubsampleFraction { get; init; }
    public double L1 { get; init; }
    public required double L2 { get; init; }

    public static BoostingParameters From(PriceTrainingOptions o) => new()
    {
        Iterations = o.Iterations,
        Leaves = o.Leaves,
        MinRowsPerLeaf = o.MinRowsPerLeaf,
        LearningRate = o.LearningRate,
        FeatureFraction = o.FeatureFraction,
        SubsampleFraction = o.SubsampleFraction,
        L2 = o.L2,
    };

    public Dictionary<string, double> Describe() => new()
    {
        ["iterations"] = Iterations,
        ["leaves"] = Leaves,
        ["min_rows_per_leaf"] = MinRowsPerLeaf,
        ["learning_rate"] = LearningRate,
        ["feature_fraction"] = FeatureFraction,
        ["subsample_fraction"] = SubsampleFraction,
        ["l1"] = L1,
        ["l2"] = L2,
    };
}

/// <summary>A training phase for progress displays.</summary>
public sealed record TrainingProgress(string Phase, int Rows, TimeSpan Elapsed);
