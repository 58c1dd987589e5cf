using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Data;

namespace Platform.PortfolioTwin.Api.Interactions;

/// <summary>
/// The <c>interactions</c> subscription: one interaction per event (snake_case, with <c>tenant_id</c>). The CloudEvent id is the
/// event id when the payload has none, so a redelivered event is stored once. Malformed events are dead-lettered.
/// </summary>
public sealed class InteractionsEventHandler(InteractionIngestion ingestion, ILogger<InteractionsEventHandler> logger) : IEventHandler
{
    public string Topic => Topics.Interactions;

    public async Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        InteractionInput? input;
        try
        {
            input = cloudEvent.DataAs<InteractionInput>(TwinJson.Options);
        }
        catch (System.Text.Json.JsonException exception)
        {
            logger.LogWarning("Dropping interaction event {EventId}: {Reason}", cloudEvent.Id, exception.Message);
            return DeliveryResult.Drop;
        }

        if (input is null || !TenantScope.IsValidId(input.TenantId))
        {
            logger.LogWarning("Dropping interaction event {EventId}: no valid tenant_id", cloudEvent.Id);
            return DeliveryResult.Drop;
        }

        var errors = new List<FieldError>();
        var batch = ingestion.Validate(input.TenantId!, [input with { EventId = input.EventId ?? cloudEvent.Id }], "data", errors);
        if (errors.Count > 0)
        {
            logger.LogWarning("Dropping interaction event {EventId}: {Errors}", cloudEvent.Id, string.Join("; ", errors.Select(e => $"{e.Field}: {e.Detail}")));
            return DeliveryResult.Drop;
        }

        try
        {
            await ingestion.IngestAsync(input.TenantId!, batch, cancellationToken).ConfigureAwait(false);
            return DeliveryResult.Success;
        }
        catch (Serving.TwinRequestException exception)
        {
            // An unknown user or property, or a reused event id: redelivering the event cannot make it valid.
            logger.LogWarning("Dropping interaction event {EventId}: {Field}: {Reason}", cloudEvent.Id, exception.Field, exception.Message);
            return DeliveryResult.Drop;
        }
        catch (UnknownTenantException exception)
        {
            logger.LogWarning("Dropping interaction event {EventId}: {Reason}", cloudEvent.Id, exception.Message);
            return DeliveryResult.Drop;
        }
    }
}
