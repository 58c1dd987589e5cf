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
}

/// <summary>A training phase for progress displays.</summary>
public sealed record TrainingProgress(string Phase, int Rows, TimeSpan Elapsed);
