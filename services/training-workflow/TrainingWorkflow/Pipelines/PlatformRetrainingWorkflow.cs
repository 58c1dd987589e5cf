using Dapr.Workflow;
using Platform.TrainingWorkflow.Pipelines.Price;
using Platform.TrainingWorkflow.Pipelines.Twin;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Pipelines;

/// <summary>Input of <c>PlatformRetraining</c>; the nested inputs override the pipelines' defaults (their tenant is replaced).</summary>
public sealed record PlatformRetrainingInput : ITenantWorkflowInput
{
    public required string TenantId { get; init; }

    /// <summary>Why the run was started (schedule, drift alert, operator), kept in history.</summary>
    public string? Reason { get; init; }

    public PriceTrainingInput? Price { get; init; }

    public TwinTrainingInput? Twin { get; init; }
}

public sealed record PlatformRetrainingOutcome(TrainingOutcome Price, TrainingOutcome Twin);

/// <summary>
/// Retrains the price model, then the twin, as child workflows: the twin's features include the estimated value, so it
/// is trained against whichever price model is champion after the first step (the new one, or the unchanged old one —
/// also when the price run failed). A failed twin run fails this workflow.
/// </summary>
public sealed class PlatformRetrainingWorkflow : Workflow<PlatformRetrainingInput, PlatformRetrainingOutcome>
{
    public const string Name = "PlatformRetraining";

    public override async Task<PlatformRetrainingOutcome> RunAsync(WorkflowContext context, PlatformRetrainingInput input)
    {
        var priceInput = (input.Price ?? new PriceTrainingInput { TenantId = input.TenantId }) with { TenantId = input.TenantId };
        var twinInput = (input.Twin ?? new TwinTrainingInput { TenantId = input.TenantId }) with
        {
            TenantId = input.TenantId,
            PriceModelName = priceInput.ModelName,
        };

        context.SetCustomStatus(new WorkflowProgress(PriceModelTrainingWorkflow.Name, 1, 2, input.Reason));
        TrainingOutcome price;
        try
        {
            price = await context.CallChildWorkflowAsync<TrainingOutcome>(PriceModelTrainingWorkflow.Name, priceInput);
        }
        catch (WorkflowTaskFailedException exception)
        {
            // The price champion is unchanged by a failed run, so the twin can still be retrained against it.
            price = new TrainingOutcome(priceInput.ModelName, false, null, null, "failed: " + exception.FailureDetails.ErrorMessage, [], null);
        }

        context.SetCustomStatus(new WorkflowProgress(PortfolioTwinTrainingWorkflow.Name, 2, 2, input.Reason));
        var twin = await context.CallChildWorkflowAsync<TrainingOutcome>(PortfolioTwinTrainingWorkflow.Name, twinInput);
        return new PlatformRetrainingOutcome(price, twin);
    }
}
