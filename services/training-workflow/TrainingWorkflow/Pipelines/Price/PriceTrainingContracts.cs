using Platform.BuildingBlocks.Registry;
using Platform.TrainingWorkflow.Workflows;
using Platform.Valuation.Model.Training;

namespace Platform.TrainingWorkflow.Pipelines.Price;

/// <summary>Input of the <c>PriceModelTraining</c> workflow. Everything has a default except the tenant.</summary>
public sealed record PriceTrainingInput : ITenantWorkflowInput
{
    public required string TenantId { get; init; }

    /// <summary>The registry model the pipeline trains; one per tenant is possible (e.g. <c>price-acme</c>).</summary>
    public string ModelName { get; init; } = ModelNames.Price;

    public int Seed { get; init; } = 42;

    public PriceDataCheckOptions DataChecks { get; init; } = new();

    public PriceGateOptions Gates { get; init; } = new();

    public PriceTrainingParameters Training { get; init; } = new();

    public bool ApprovalRequired { get; init; }

    public TimeSpan ApprovalTimeout { get; init; } = TimeSpan.FromHours(24);
}

/// <summary>Thresholds of the data check that runs before anything is snapshotted or trained.</summary>
public sealed record PriceDataCheckOptions
{
    public int MinRows { get; init; } = 200;

    /// <summary>Largest share of sales the reader may reject (missing/invalid price, bad coordinates, ...).</summary>
    public double MaxRejectedShare { get; init; } = 0.05;

    /// <summary>Largest share of missing values in the columns the model cannot do without.</summary>
    public double MaxNullRate { get; init; } = 0.2;

    public IReadOnlyList<string> RequiredColumns { get; init; } =
        ["usable_area", "rooms", "year_built", "latitude", "longitude", "property_type", "municipality"];

    /// <summary>Population stability index per column against the last snapshot above which the data counts as drifted.</summary>
    public double MaxPsi { get; init; } = 0.25;

    /// <summary>Median price per m² may move by at most this factor against the last snapshot (label sanity).</summary>
    public double MaxPricePerSquareMetreShift { get; init; } = 1.5;
}

/// <summary>
/// When a candidate price model may replace the champion. Degradations are relative: 0.05 lets MdAPE rise from 10 % to 10.5 %.
/// </summary>
public sealed record PriceGateOptions
{
    public double MaxMdApeDegradation { get; init; } = 0.05;

    public double MaxWapeDegradation { get; init; } = 0.05;

    public double MaxKeySegmentDegradation { get; init; } = 0.10;

    /// <summary>The segment (property type) that must not regress; null = the largest segment of the holdout.</summary>
    public string? KeySegment { get; init; }

    public int MinRows { get; init; } = 200;

    /// <summary>Share of sales held out for evaluation, chosen by a hash of the sale id so it is stable across runs.</summary>
    public double HoldoutShare { get; init; } = 0.2;
}

/// <summary>The tree settings the pipeline passes on to <see cref="PriceModelTrainer"/>.</summary>
public sealed record PriceTrainingParameters
{
    public int Iterations { get; init; } = 300;

    public int Leaves { get; init; } = 15;

    public double LearningRate { get; init; } = 0.05;

    public int MinRowsPerLeaf { get; init; } = 5;

    /// <summary>One thread keeps LightGBM bit-for-bit reproducible for a seed.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Seconds for the trainer's hyperparameter search and blend, short so the main job stays quick; 0 trains exactly the settings above.</summary>
    public double TuneSeconds { get; init; } = 5;

    public PriceTrainingOptions ToOptions(int seed) => new()
    {
        Seed = seed,
        Iterations = Iterations,
        Leaves = Leaves,
        LearningRate = LearningRate,
        MinRowsPerLeaf = MinRowsPerLeaf,
        Threads = Threads,
        TuneSeconds = TuneSeconds == 0 ? null : TuneSeconds,
        Ensemble = TuneSeconds != 0,
    };

    public Dictionary<string, string> Describe(int seed) => new()
    {
        ["seed"] = seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["iterations"] = Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["leaves"] = Leaves.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["learning_rate"] = LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["min_rows_per_leaf"] = MinRowsPerLeaf.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["tune_seconds"] = TuneSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>The data check's verdict; the sales extracted from PostgreSQL are staged as CSV for the snapshot step.</summary>
public sealed record PriceDataCheckResult(
    bool Passed,
    IReadOnlyList<string> Failures,
    int RowsRead,
    int RowsKept,
    string StagedCsvArtifactId,
    string? ReferenceManifestArtifactId);

/// <summary>An immutable training dataset: the CSV and its manifest, addressed by artifact id.</summary>
public sealed record PriceDatasetSnapshot(string CsvArtifactId, string ManifestArtifactId, string DataHash, int Rows);

public sealed record TrainPriceModelRequest(PriceDatasetSnapshot Snapshot, int Seed, double HoldoutShare, PriceTrainingParameters Training);

/// <summary>A staged model; <paramref name="Lineage"/> is how it was chosen (search result, blend, intervals) for the registry.</summary>
public sealed record TrainedPriceModel(string ModelArtifactId, int TrainingRows, int HoldoutRows, double Seconds, Dictionary<string, string>? Lineage = null);

/// <summary>Holdout accuracy of one model (percentages in percent).</summary>
public sealed record PriceScore(double MdApe, double Wape, double Mape, double Ppe10, Dictionary<string, double> SegmentMdApe);

/// <summary>
/// The candidate and the champion scored on the same holdout, plus the champion's metrics recorded when it was promoted
/// (the gate needs both: see <see cref="PriceGate"/>).
/// </summary>
public sealed record PriceEvaluation(
    PriceScore Candidate,
    int HoldoutRows,
    string KeySegment,
    int? ChampionVersion,
    PriceScore? ChampionOnHoldout,
    PriceScore? ChampionRecorded,
    string? ReportArtifactId = null);

public sealed record GateDecision(bool Passed, IReadOnlyList<string> Reasons);

/// <summary>What a human sends as the <c>approval</c> event.</summary>
public sealed record ApprovalDecision(bool Approved, string? By = null, string? Comment = null);

/// <summary>Output of a training workflow: whether the model was promoted, and why not when it was not.</summary>
public sealed record TrainingOutcome(
    string ModelName,
    bool Deployed,
    int? Version,
    string? Alias,
    string? RejectionReason,
    Dictionary<string, double> Metrics,
    string? DataHash);
