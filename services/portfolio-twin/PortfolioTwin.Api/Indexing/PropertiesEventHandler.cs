using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Data;

namespace Platform.PortfolioTwin.Api.Indexing;

/// <summary>
/// The <c>properties</c> subscription: keeps the index in step with listings. Created/updated listings are encoded with the
/// champion and upserted (from the event's property, else read from PostgreSQL); removed ones are deleted. Idempotent: an
/// upsert or delete applied twice leaves the same index.
/// </summary>
public sealed class PropertiesEventHandler(
    PropertyIndexer indexer,
    ITwinDataStore store,
    TimeProvider time,
    ILogger<PropertiesEventHandler> logger) : IEventHandler
{
    public string Topic => Topics.Properties;

    public async Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        PropertyChangedEvent? change;
        try
        {
            change = cloudEvent.DataAs<PropertyChangedEvent>(TwinJson.Options);
        }
        catch (System.Text.Json.JsonException exception)
        {
            return Drop(cloudEvent, exception.Message);
        }

        var propertyId = change?.PropertyId ?? change?.Property?.PropertyId;
        if (change is null || !TenantScope.IsValidId(change.TenantId) || string.IsNullOrWhiteSpace(propertyId))
        {
            return Drop(cloudEvent, "tenant_id and property_id are required");
        }

        var tenantId = change.TenantId!;
        switch (change.Change?.Trim().ToLowerInvariant())
        {
            case PropertyChanges.Removed:
                await indexer.RemoveAsync(tenantId, [propertyId], cancellationToken).ConfigureAwait(false);
                return DeliveryResult.Success;

            case PropertyChanges.Created or PropertyChanges.Updated:
                var errors = new List<FieldError>();
                var property = change.Property is null
                    ? await store.GetPropertyAsync(tenantId, propertyId, cancellationToken).ConfigureAwait(false)
                    : PropertyFeaturesValidator.Validate(change.Property with { PropertyId = propertyId }, tenantId, "data.property", errors, time);
                if (property is null)
                {
                    return Drop(cloudEvent, errors.Count > 0
                        ? string.Join("; ", errors.Select(e => $"{e.Field}: {e.Detail}"))
                        : $"property '{propertyId}' is not in PostgreSQL");
                }

                await indexer.IndexAsync(tenantId, [property], cancellationToken).ConfigureAwait(false);
                return DeliveryResult.Success;

            default:
                return Drop(cloudEvent, $"change '{change.Change}' is not created, updated or removed");
        }
    }

    private DeliveryResult Drop(CloudEvent cloudEvent, string reason)
    {
        logger.LogWarning("Dropping property event {EventId}: {Reason}", cloudEvent.Id, reason);
        return DeliveryResult.Drop;
    }
}
