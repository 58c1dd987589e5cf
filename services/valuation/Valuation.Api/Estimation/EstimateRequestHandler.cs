using System.Text.Json;
using Platform.BuildingBlocks.Messaging;

namespace Platform.Valuation.Api.Estimation;

/// <summary>
/// Streaming estimates: takes <c>{ "tenant_id", "request_id", "properties": [...] }</c> from <see cref="Topics.EstimateRequests"/> and
/// publishes the same per-row results as <c>POST /estimate</c> to <see cref="Topics.Estimates"/>. The result's event id is
/// derived from the request's, so a redelivered request yields a duplicate consumers can drop. The tenant's champion prices
/// the rows; a request without a valid <c>tenant_id</c> is dropped (there is no model to price it with).
/// </summary>
public sealed class EstimateRequestHandler(
    EstimationService estimation,
    IEventPublisher publisher,
    ILogger<EstimateRequestHandler> logger) : IEventHandler
{
    public string Topic => Topics.EstimateRequests;

    public async Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        var data = cloudEvent.Data;
        var limit = estimation.Options.BatchLimit;
        switch (EstimateBatchShape.Check(data, limit, out var properties))
        {
            case BatchShapeProblem.NoPropertiesArray:
                logger.LogWarning("Dropping estimate request {EventId}: data needs a 'properties' array", cloudEvent.Id);
                return DeliveryResult.Drop;
            case BatchShapeProblem.TooManyRows:
                logger.LogWarning("Dropping estimate request {EventId}: {Count} rows exceed the batch limit of {Limit}", cloudEvent.Id, properties.GetArrayLength(), limit);
                return DeliveryResult.Drop;
            default:
                // An empty batch is answered with an empty result, like any other.
                break;
        }

        if (!data.TryGetProperty("tenant_id", out var tenant) || tenant.ValueKind != JsonValueKind.String
            || tenant.GetString() is not { } tenantId || !Platform.BuildingBlocks.Tenancy.TenantScope.IsValidId(tenantId))
        {
            logger.LogWarning("Dropping estimate request {EventId}: data needs a valid 'tenant_id'", cloudEvent.Id);
            return DeliveryResult.Drop;
        }

        var model = await estimation.GetModelAsync(tenantId, cancellationToken).ConfigureAwait(false);
        if (model is null)
        {
            // No model yet: let the bus retry with back-off rather than lose the request.
            return DeliveryResult.Retry;
        }

        string? requestId;
        EstimateResponse response;
        try
        {
            requestId = data.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : cloudEvent.Id;
            response = estimation.Estimate(tenantId, model, properties, comparables: 0, EstimationService.PubSubSource);
        }
        catch (Exception exception) when (exception is InvalidJsonTextException or InvalidOperationException)
        {
            // A lone surrogate (in request_id or a row): redelivery cannot repair it.
            logger.LogWarning("Dropping estimate request {EventId}: {Reason}", cloudEvent.Id, exception.Message);
            return DeliveryResult.Drop;
        }

        var result = JsonSerializer.SerializeToElement(new StreamedEstimates(requestId, cloudEvent.Id, response) { TenantId = tenantId }, ValuationJson.Options);
        await publisher.PublishAsync(Topics.Estimates, result, eventId: $"{cloudEvent.Id}-estimates", cancellationToken).ConfigureAwait(false);
        return DeliveryResult.Success;
    }
}

/// <summary>Payload published on <see cref="Topics.Estimates"/>.</summary>
public sealed record StreamedEstimates(string? RequestId, string RequestEventId, EstimateResponse Response)
{
    /// <summary>Whose request it was, so a consumer shows each tenant only its own estimates.</summary>
    public string? TenantId { get; init; }
}
