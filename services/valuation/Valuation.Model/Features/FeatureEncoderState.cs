using Platform.Valuation.Model.Data;

namespace Platform.Valuation.Model.Features;

/// <summary>Everything the encoder learned from training sales; saved inside the model file.</summary>
public sealed record FeatureEncoderState
{
    public required DatasetSchema Schema { get; init; }
    public required FeatureEncoderOptions Options { get; init; }
    public required double[] NumericMedians { get; init; }
    public required bool[] NumericHasMissing { get; init; }
    public required string[][] Levels { get; init; }
    public required bool[] OneHot { get; init; }
    public required Dictionary<string, double>[] TargetMeans { get; init; }
    public double GlobalLogPrice { get; init; }
    public double ReferenceLatitude { get; init; }
    public double[] PointLatitude { get; init; } = [];
    public double[] PointLongitude { get; init; } = [];
    public double[] PointLogPrice { get; init; } = [];
    public double[] PointLogPricePerArea { get; init; } = [];
    public double MedianUsableArea { get; init; }
    public double MedianTotalArea { get; init; }
}
