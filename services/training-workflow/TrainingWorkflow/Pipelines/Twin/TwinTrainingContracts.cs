using Platform.BuildingBlocks.Registry;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Training;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Pipelines.Twin;

/// <summary>Input of the <c>PortfolioTwinTraining</c> workflow. Everything has a default except the tenant.</summary>
public sealed record TwinTrainingInput : ITenantWorkflowInput
{
    public required string TenantId { get; init; }

    public string ModelName { get; init; } = ModelNames.Twin;

    /// <summary>The price model whose champion supplies the estimated value feature (skipped when there is none).</summary>
    public string PriceModelName { get; init; } = ModelNames.Price;

    public int Seed { get; init; } = 42;

    public int Epochs { get; init; } = 100;

    public int BatchSize { get; init; } = 32;

    public double LearningRate { get; init; } = 1e-3;

    public int Patience { get; init; } = 10;

    public int? MaxStepsPerEpoch { get; init; }

    /// <summary>Torch threads; 0 leaves the process default.</summary>
    public int Threads { get; init; }

    public TwinDataRequirements Requirements { get; init; } = new();

    public TwinGateOptions Gates { get; init; } = new();

    public TwinTrainingOptions ToOptions() => new()
    {
        TenantId = TenantId,
        Seed = Seed,
        Epochs = Epochs,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        Patience = Patience,
        MaxStepsPerEpoch = MaxStepsPerEpoch,
        Threads = Threads,
        Requirements = Requirements,
        Gates = new TwinQualityGates
        {
            MinF1 = Gates.MinF1,
            MinAccuracy = Gates.MinAccuracy,
            RequireFiniteEmbeddings = Gates.RequireFiniteEmbeddings,
            RequireLossDecrease = Gates.RequireLossDecrease,
        },
    };

    public Dictionary<string, string> Describe() => new()
    {
        ["seed"] = Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["epochs"] = Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["batch_size"] = BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["learning_rate"] = LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["max_steps_per_epoch"] = MaxStepsPerEpoch?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>Release gates of the twin (issue #7) plus no NDCG@10 regression against the champion.</summary>
public sealed record TwinGateOptions
{
    public double MinF1 { get; init; } = 0.6;

    public double MinAccuracy { get; init; } = 0.7;

    public bool RequireFiniteEmbeddings { get; init; } = true;

    public bool RequireLossDecrease { get; init; } = true;

    /// <summary>Relative NDCG@10 drop against the champion's recorded value that still passes (run-to-run noise).</summary>
    public double MaxNdcgRegression { get; init; } = 0.02;
}

public sealed record TwinDataCheckResult(bool Passed, string? Failure, long Properties, long Users, long Interactions);

/// <summary>The prepared training data (an artifact) and what went into it.</summary>
public sealed record PreparedTwinData(
    string DatasetArtifactId, string DataHash, int Properties, int Users, int Interactions, int ExplicitNegatives, int EstimatedValues, int? PriceModelVersion);

public sealed record TrainTwinModelRequest(string DatasetArtifactId, TwinTrainingInput Input);

public sealed record TrainedTwinModel(
    string ModelArtifactId, string ReportArtifactId, Dictionary<string, double> Metrics, IReadOnlyList<string> GateFailures, int EpochsRun);

public sealed record ChampionMetricsRequest(string TenantId, string ModelName);

public sealed record ChampionMetrics(int? Version, Dictionary<string, double> Metrics);
