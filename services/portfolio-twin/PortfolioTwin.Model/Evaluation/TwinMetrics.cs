using System.Text.Json.Serialization;

namespace Platform.PortfolioTwin.Model.Evaluation;

/// <summary>Binary relevance metrics at a decision threshold, plus threshold-free AUC.</summary>
public sealed record ClassificationMetrics(double Accuracy, double Precision, double Recall, double F1, double Auc, int Pairs);

/// <summary>Top-K metrics from a full ranking over all candidate properties, averaged over users.</summary>
public sealed record RankingMetrics(IReadOnlyDictionary<int, double> PrecisionAtK, IReadOnlyDictionary<int, double> RecallAtK, IReadOnlyDictionary<int, double> NdcgAtK, int Users)
{
    public static readonly int[] DefaultKs = [5, 10, 20];
}

/// <summary>
/// One point of the ROC curve: accepting scores ≥ <see cref="Threshold"/>, the share of negatives and of positives accepted
/// (no threshold: the curve's start, accepting nothing, or, without both labels, its end).
/// </summary>
public sealed record RocPoint(
    [property: JsonPropertyName("threshold")] double? Threshold,
    [property: JsonPropertyName("false_positive_rate")] double FalsePositiveRate,
    [property: JsonPropertyName("true_positive_rate")] double TruePositiveRate);

/// <summary>What <c>--report</c> writes; key names are part of the command-line contract.</summary>
public sealed record TwinReport
{
    [JsonPropertyName("accuracy")] public double Accuracy { get; init; }
    [JsonPropertyName("precision")] public double Precision { get; init; }
    [JsonPropertyName("recall")] public double Recall { get; init; }
    [JsonPropertyName("f1")] public double F1 { get; init; }
    [JsonPropertyName("auc")] public double Auc { get; init; }
    [JsonPropertyName("precision_at_10")] public double PrecisionAt10 { get; init; }
    [JsonPropertyName("recall_at_10")] public double RecallAt10 { get; init; }
    [JsonPropertyName("ndcg_at_10")] public double NdcgAt10 { get; init; }
    [JsonPropertyName("epochs_run")] public int EpochsRun { get; init; }
    [JsonPropertyName("train_seconds")] public double TrainSeconds { get; init; }
    [JsonPropertyName("gates_passed")] public bool GatesPassed { get; init; }
    [JsonPropertyName("gate_failures")] public IReadOnlyList<string> GateFailures { get; init; } = [];
    [JsonPropertyName("ranking")] public RankingMetrics? Ranking { get; init; }

    /// <summary>The ROC curve of the test users' pairs (the points behind <see cref="Auc"/>), thinned for plotting.</summary>
    [JsonPropertyName("roc")] public IReadOnlyList<RocPoint> Roc { get; init; } = [];
}
