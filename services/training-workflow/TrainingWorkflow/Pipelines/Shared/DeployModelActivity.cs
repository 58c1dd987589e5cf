using Dapr.Workflow;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;

namespace Platform.TrainingWorkflow.Pipelines.Shared;

/// <summary>A tenant's trained model to register and point an alias at. The model file is passed by artifact id.</summary>
public sealed record DeployModelRequest
{
    /// <summary>The tenant whose registry entry (and champion) this is; no other tenant's models are touched.</summary>
    public required string TenantId { get; init; }

    public required string ModelName { get; init; }

    /// <summary>The staged model file written by the training step.</summary>
    public required string StagedArtifactId { get; init; }

    /// <summary><see cref="ModelRegistry.Champion"/> (promotion: also publishes <see cref="ModelDeployed"/>) or <see cref="ModelRegistry.Challenger"/>.</summary>
    public required string Alias { get; init; }

    public Dictionary<string, double> Metrics { get; init; } = [];

    public required string DataHash { get; init; }

    public Dictionary<string, string> Parameters { get; init; } = [];

    public string? ManifestArtifactId { get; init; }

    public string? ReportArtifactId { get; init; }
}

public sealed record DeployedModel(string ModelName, int Version, string Alias, string? TenantId = null);

/// <summary>
/// Registers the staged model as a new immutable version of the tenant's model (metrics + lineage), moves the tenant's alias
/// and, for the champion, publishes <see cref="ModelDeployed"/> naming the tenant so serving services reload that tenant's
/// model only. Activities run at least once, so a version this
/// workflow instance already registered is reused instead of registering a duplicate, and the event id is derived from
/// the version so subscribers can drop a repeat.
/// </summary>
public sealed class DeployModelActivity(ModelRegistry registry, IArtifactStore artifacts, IEventPublisher publisher)
    : WorkflowActivity<DeployModelRequest, DeployedModel>
{
    public override async Task<DeployedModel> RunAsync(WorkflowActivityContext context, DeployModelRequest input)
    {
        var cancellationToken = CancellationToken.None; // Dapr gives activities no token: one runs to its end; a result for an ended instance is dropped.
        var existing = (await registry.ListVersionsAsync(input.TenantId, input.ModelName, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(v => v.Lineage.WorkflowInstanceId == context.InstanceId);
        var version = existing ?? await RegisterAsync(context.InstanceId, input, cancellationToken).ConfigureAwait(false);

        await registry.SetAliasAsync(input.TenantId, input.ModelName, input.Alias, version.Version, cancellationToken).ConfigureAwait(false);
        if (input.Alias == ModelRegistry.Champion)
        {
            await publisher.PublishAsync(
                Topics.ModelDeployed,
                new ModelDeployed(input.ModelName, version.Version, input.Alias, input.TenantId),
                eventId: $"{input.TenantId}-{input.ModelName}-v{version.Version}-{input.Alias}",
                cancellationToken).ConfigureAwait(false);
        }

        return new DeployedModel(input.ModelName, version.Version, input.Alias, input.TenantId);
    }

    private async Task<ModelVersion> RegisterAsync(string instanceId, DeployModelRequest input, CancellationToken cancellationToken)
    {
        await using var model = await artifacts.OpenReadAsync(input.StagedArtifactId, cancellationToken).ConfigureAwait(false);
        var lineage = new ModelLineage(input.DataHash, input.Parameters, CodeVersion.Current, input.ManifestArtifactId, instanceId);
        return await registry.RegisterAsync(
            input.TenantId,
            input.ModelName, model, input.Metrics, lineage, reportArtifactId: input.ReportArtifactId, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
