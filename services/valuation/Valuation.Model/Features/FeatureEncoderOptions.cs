namespace Platform.Valuation.Model.Features;

public sealed record FeatureEncoderOptions
{
    /// <summary>Folds for the out-of-fold encodings of training rows (target means, neighbourhood price levels).</summary>
    public int Folds { get; init; } = 5;
    /// <summary>Neighbours that define a sale's spatial neighbourhood.</summary>
    public int Neighbours { get; init; } = 10;
    /// <summary>Categoricals with at most this many levels also get one-hot slots.</summary>
    public int MaxOneHotLevels { get; init; } = 12;
    /// <summary>Pseudo-count pulling rare categories' target mean toward the global mean.</summary>
    public double TargetEncodingSmoothing { get; init; } = 10;
    public int Seed { get; init; } = 42;
}
