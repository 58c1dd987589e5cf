using System.Globalization;
using Dapr.Workflow;
using Platform.BuildingBlocks.Registry;
using Platform.TrainingWorkflow.Pipelines.Price;
using Platform.TrainingWorkflow.Pipelines.Shared;

namespace Platform.TrainingWorkflow.Pipelines.Twin;

/// <summary>The twin's release decision: the trainer's quality gates plus no NDCG@10 regression against the champion.</summary>
public static class TwinGate
{
    public const string NdcgAt10 = "ndcg_at_10";

    public static GateDecision Decide(TwinGateOptions options, TrainedTwinModel candidate, ChampionMetrics champion)
    {
        var reasons = new List<string>(candidate.GateFailures);
        if (champion.Version is { } version && champion.Metrics.TryGetValue(NdcgAt10, out var reference))
        {
            var value = candidate.Metrics.GetValueOrDefault(NdcgAt10, double.NaN);
            var limit = reference * (1 - options.MaxNdcgRegression);
            if (!(value >= limit))
            {
                reasons.Add(string.Create(CultureInfo.InvariantCulture,
                    $"NDCG@10 {value:F4} regresses against champion v{version} ({reference:F4}; limit {limit:F4})"));
            }
        }

        return new GateDecision(reasons.Count == 0, reasons);
    }
}

/// <summary>
/// check data → prepare data → train → evaluate → gate → deploy into the tenant's champion. On deploy the tenant's
/// <c>model-deployed</c> event makes the portfolio-twin service re-embed that tenant's properties into the vector index.
/// </summary>
public sealed class PortfolioTwinTrainingWorkflow : Workflow<TwinTrainingInput, TrainingOutcome>
{
    public const string Name = "PortfolioTwinTraining";

    private static readonly string[] Steps = ["check-data", "prepare-data", "train", "evaluate", "gate", "deploy"];

    // Activities that only read and write stores are retried on transient failures (CallWithRetryAsync); training is
    // deterministic and is not retried.
    public override async Task<TrainingOutcome> RunAsync(WorkflowContext context, TwinTrainingInput input)
    {
        var progress = new PipelineProgress(context, Steps);
        progress.Enter("check-data", $"tenant {input.TenantId}");
        var check = await context.CallWithRetryAsync<TwinDataCheckResult>(
            nameof(CheckTwinDataActivity), new CheckTwinDataRequest(input.TenantId, input.Requirements));
        if (!check.Passed)
        {
            var reason = "data check failed: " + check.Failure;
            progress.Enter("deploy", "rejected: " + reason);
            return new TrainingOutcome(input.ModelName, false, null, null, reason, [], null);
        }

        progress.Enter("prepare-data", $"{check.Interactions} interactions, {check.Properties} properties");
        var prepared = await context.CallWithRetryAsync<PreparedTwinData>(
            nameof(PrepareTwinDataActivity), new PrepareTwinDataRequest(input.TenantId, input.PriceModelName));

        progress.Enter("train", $"{input.Epochs} epochs at most");
        var trained = await context.CallActivityAsync<TrainedTwinModel>(
            nameof(TrainTwinModelActivity), new TrainTwinModelRequest(prepared.DatasetArtifactId, input));

        progress.Enter("evaluate", $"{trained.EpochsRun} epochs run");
        var champion = await context.CallWithRetryAsync<ChampionMetrics>(
            nameof(LoadChampionMetricsActivity), new ChampionMetricsRequest(input.TenantId, input.ModelName));

        progress.Enter("gate", champion.Version is { } v ? $"against champion v{v}" : "no champion yet");
        var decision = TwinGate.Decide(input.Gates, trained, champion);
        var parameters = input.Describe();
        if (prepared.PriceModelVersion is { } priceVersion)
        {
            parameters["price_model_version"] = priceVersion.ToString(CultureInfo.InvariantCulture);
        }

        var request = new DeployModelRequest
        {
            TenantId = input.TenantId,
            ModelName = input.ModelName,
            StagedArtifactId = trained.ModelArtifactId,
            Alias = decision.Passed ? ModelRegistry.Champion : ModelRegistry.Challenger,
            Metrics = trained.Metrics,
            DataHash = prepared.DataHash,
            Parameters = decision.Passed ? parameters : new Dictionary<string, string>(parameters) { ["rejected"] = "gate: " + string.Join("; ", decision.Reasons) },
            ReportArtifactId = trained.ReportArtifactId,
        };
        progress.Enter("deploy", decision.Passed ? "registering and promoting to champion" : "rejected: registering as challenger");
        var deployed = await context.CallWithRetryAsync<DeployedModel>(nameof(DeployModelActivity), request);
        return decision.Passed
            ? new TrainingOutcome(input.ModelName, true, deployed.Version, deployed.Alias, null, trained.Metrics, prepared.DataHash)
            : new TrainingOutcome(input.ModelName, false, deployed.Version, deployed.Alias, "gate: " + string.Join("; ", decision.Reasons), trained.Metrics, prepared.DataHash);
    }
}
