using Dapr.Workflow;
using Platform.BuildingBlocks.Registry;
using Platform.TrainingWorkflow.Pipelines.Shared;

namespace Platform.TrainingWorkflow.Pipelines.Price;

/// <summary>
/// check data → snapshot → train → evaluate → gate → (approval) → deploy or reject. Datasets and models travel as
/// artifact ids; history holds only small records. A rejected candidate is registered and aliased <c>challenger</c> for
/// inspection; the champion never moves on rejection.
/// </summary>
public sealed class PriceModelTrainingWorkflow : Workflow<PriceTrainingInput, TrainingOutcome>
{
    public const string Name = "PriceModelTraining";
    public const string DefaultModelName = ModelNames.Price;
    public const string ApprovalEvent = "approval";

    private static readonly string[] Steps = ["check-data", "snapshot", "train", "evaluate", "gate", "approval", "deploy"];

    // Activities that only read and write stores are retried on transient failures (CallWithRetryAsync); training is
    // deterministic and is not retried.
    public override async Task<TrainingOutcome> RunAsync(WorkflowContext context, PriceTrainingInput input)
    {
        var modelName = input.ModelName;
        var progress = new PipelineProgress(context, Steps);

        progress.Enter("check-data", $"tenant {input.TenantId}");
        var check = await context.CallWithRetryAsync<PriceDataCheckResult>(
            nameof(CheckPriceDataActivity), new CheckPriceDataRequest(input.TenantId, modelName, input.DataChecks));
        if (!check.Passed)
        {
            return Rejected(progress, modelName, "data check failed: " + string.Join("; ", check.Failures), [], null);
        }

        progress.Enter("snapshot", $"{check.RowsKept} of {check.RowsRead} sales");
        var snapshot = await context.CallWithRetryAsync<PriceDatasetSnapshot>(
            nameof(SnapshotPriceDatasetActivity), new SnapshotPriceDatasetRequest(input.TenantId, check.StagedCsvArtifactId));

        progress.Enter("train", $"{snapshot.Rows} sales, {input.Training.Iterations} iterations");
        var trained = await context.CallActivityAsync<TrainedPriceModel>(
            nameof(TrainPriceModelActivity), new TrainPriceModelRequest(snapshot, input.Seed, input.Gates.HoldoutShare, input.Training));

        progress.Enter("evaluate", $"{trained.HoldoutRows} holdout sales");
        var evaluation = await context.CallWithRetryAsync<PriceEvaluation>(
            nameof(EvaluatePriceModelActivity),
            new EvaluatePriceModelInput(input.TenantId, modelName, snapshot, trained.ModelArtifactId, input.Gates.HoldoutShare, input.Gates.KeySegment,
                trained.TrainingRows, trained.Seconds));
        var metrics = PriceMetricKeys.Write(evaluation.Candidate, trained.TrainingRows, trained.HoldoutRows);

        progress.Enter("gate", evaluation.ChampionVersion is { } v ? $"against champion v{v}" : "no champion yet");
        var decision = PriceGate.Decide(input.Gates, evaluation, trained.TrainingRows);
        var request = new DeployModelRequest
        {
            TenantId = input.TenantId,
            ModelName = modelName,
            StagedArtifactId = trained.ModelArtifactId,
            Alias = ModelRegistry.Champion,
            Metrics = metrics,
            DataHash = snapshot.DataHash,
            Parameters = Lineage(input.Training.Describe(input.Seed), trained.Lineage),
            ManifestArtifactId = snapshot.ManifestArtifactId,
            ReportArtifactId = evaluation.ReportArtifactId,
        };
        if (!decision.Passed)
        {
            return await RejectAsync(context, progress, request, "gate: " + string.Join("; ", decision.Reasons));
        }

        if (input.ApprovalRequired)
        {
            progress.Enter("approval", $"waiting for event '{ApprovalEvent}' (timeout {input.ApprovalTimeout})");
            ApprovalDecision approval;
            try
            {
                approval = await context.WaitForExternalEventAsync<ApprovalDecision>(ApprovalEvent, input.ApprovalTimeout);
            }
            catch (OperationCanceledException)
            {
                // Dapr's wait with a timeout ends in a TaskCanceledException when its timer fires first.
                return await RejectAsync(context, progress, request, $"approval timed out after {input.ApprovalTimeout}");
            }

            if (!approval.Approved)
            {
                return await RejectAsync(context, progress, request, $"approval denied by {approval.By ?? "(unnamed)"}: {approval.Comment}");
            }
        }

        progress.Enter("deploy", "registering and promoting to champion");
        var deployed = await context.CallWithRetryAsync<DeployedModel>(nameof(DeployModelActivity), request);
        progress.Enter("deploy", $"{modelName} v{deployed.Version} is champion");
        return new TrainingOutcome(modelName, true, deployed.Version, deployed.Alias, null, metrics, snapshot.DataHash);
    }

    private static async Task<TrainingOutcome> RejectAsync(WorkflowContext context, PipelineProgress progress, DeployModelRequest request, string reason)
    {
        var challenger = request with
        {
            Alias = ModelRegistry.Challenger,
            Parameters = new Dictionary<string, string>(request.Parameters) { ["rejected"] = reason },
        };
        var registered = await context.CallWithRetryAsync<DeployedModel>(nameof(DeployModelActivity), challenger);
        return Rejected(progress, request.ModelName, reason, request.Metrics, request.DataHash, registered.Version);
    }

    private static TrainingOutcome Rejected(
        PipelineProgress progress, string modelName, string reason, Dictionary<string, double> metrics, string? dataHash, int? challengerVersion = null)
    {
        progress.Enter("deploy", "rejected: " + reason);
        return new TrainingOutcome(modelName, false, challengerVersion, challengerVersion is null ? null : ModelRegistry.Challenger, reason, metrics, dataHash);
    }

    /// <summary>The requested settings plus what training chose (tuned parameters, blend, interval method) for the registry lineage.</summary>
    private static Dictionary<string, string> Lineage(Dictionary<string, string> requested, Dictionary<string, string>? chosen)
    {
        foreach (var (key, value) in chosen ?? [])
        {
            requested.TryAdd(key, value);
        }

        return requested;
    }
}
