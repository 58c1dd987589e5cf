using System.Text.Json;
using Platform.BuildingBlocks.Messaging;
using Platform.MarketData.Postgres;

namespace Platform.TrainingWorkflow.Pipelines;

/// <summary>The data of a <see cref="Topics.TrainingRequested"/> event.</summary>
public sealed record TrainingRequest(string TenantId, string? Reason = null);

/// <summary>
/// Starts <see cref="PlatformRetrainingWorkflow"/> through the <see cref="RetrainingTrigger"/> when training is requested (e.g.
/// after a drift alert). The instance id is derived from the event id (<see cref="RetrainingInstanceId.EventWindow"/>), so a
/// redelivered event finds the instance it already started instead of training twice.
/// </summary>
public sealed partial class TrainingRequestedHandler(RetrainingTrigger retraining, ILogger<TrainingRequestedHandler> logger) : IEventHandler
{
    public string Topic => Topics.TrainingRequested;

    public async Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        TrainingRequest? request;
        try
        {
            request = cloudEvent.DataAs<TrainingRequest>();
        }
        catch (JsonException exception)
        {
            LogInvalid(cloudEvent.Id, exception.Message);
            return DeliveryResult.Drop;
        }

        if (request is null || !TenantId.IsValid(request.TenantId))
        {
            LogInvalid(cloudEvent.Id, $"field 'tenantId' is missing or invalid ('{request?.TenantId}')");
            return DeliveryResult.Drop;
        }

        var (instanceId, created) = await retraining.StartForEventAsync(request.TenantId, cloudEvent.Id, request.Reason, cancellationToken)
            .ConfigureAwait(false);
        LogStarted(cloudEvent.Id, instanceId, created);
        return DeliveryResult.Success;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropping training request {EventId}: {Problem}")]
    private partial void LogInvalid(string eventId, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training request {EventId}: retraining instance {InstanceId} (newly started: {Created})")]
    private partial void LogStarted(string eventId, string instanceId, bool created);
}
