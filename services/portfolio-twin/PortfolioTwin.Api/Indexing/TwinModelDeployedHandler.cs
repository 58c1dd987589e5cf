using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;

namespace Platform.PortfolioTwin.Api.Indexing;

/// <summary>
/// On a new twin champion, wakes <see cref="IndexMaintenance"/> to reindex with it (the building blocks'
/// <see cref="ModelDeployedHandler{TModel}"/> reloads the cache; the maintenance reload is idempotent, so order does not matter).
/// </summary>
public sealed class TwinModelDeployedHandler(IndexMaintenance maintenance, Microsoft.Extensions.Options.IOptions<PortfolioTwinOptions> options) : IEventHandler
{
    public string Topic => Topics.ModelDeployed;

    public Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        if (cloudEvent.DataAs<ModelDeployed>() is { } deployed && deployed.ModelName == options.Value.ModelName && deployed.Alias == ModelRegistry.Champion)
        {
            maintenance.RequestCheck();
        }

        return Task.FromResult(DeliveryResult.Success);
    }
}
