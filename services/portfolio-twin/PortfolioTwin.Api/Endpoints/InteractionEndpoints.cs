using Platform.BuildingBlocks.Auth;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Data;
using Platform.PortfolioTwin.Api.Interactions;
using Platform.PortfolioTwin.Api.Serving;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.PortfolioTwin.Api.Endpoints;

public static class InteractionEndpoints
{
    public static RouteGroupBuilder MapInteractionEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapTwinGroup("Interactions", PlatformScopes.TwinWrite);
        group.MapPost("/interactions", IngestAsync)
            .WithName("IngestInteractions")
            .WithSummary("Stores a batch of interactions, idempotently by event_id.")
            .WithDescription("Each interaction: event_id, user_id, property_id, kind (view, like, dislike, outreach, deal), occurred_at "
                + "(default now). Redelivered events are counted as duplicates and stored once. Users with new interactions get a "
                + "refreshed (folded-in) vector at once.")
            .Accepts<InteractionBatchRequest>("application/json")
            .Produces<InteractionBatchResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        return group;
    }

    private static async Task<IResult> IngestAsync(HttpContext context, InteractionIngestion ingestion, TwinScoringService twin, CancellationToken cancellationToken)
    {
        var tenantId = TenantScope.Of(context).TenantId;
        var request = await context.ReadBodyAsync<InteractionBatchRequest>(cancellationToken).ConfigureAwait(false);
        var inputs = request.Interactions ?? throw TwinRequestException.Invalid("interactions", "Required: an array of interactions.");
        if (inputs.Count == 0)
        {
            throw TwinRequestException.Invalid("interactions", "At least one interaction is required.");
        }

        if (inputs.Count > twin.Options.BatchLimit)
        {
            throw TwinRequestException.TooMany("interactions", inputs.Count, twin.Options.BatchLimit);
        }

        var errors = new List<FieldError>();
        var interactions = ingestion.Validate(tenantId, inputs, "interactions", errors);
        if (errors.Count > 0)
        {
            throw TwinRequestException.Invalid(errors);
        }

        try
        {
            return TwinEndpointConventions.Json(await ingestion.IngestAsync(tenantId, interactions, cancellationToken).ConfigureAwait(false));
        }
        catch (UnknownTenantException exception)
        {
            throw new TwinRequestException(StatusCodes.Status404NotFound, "Unknown tenant.", exception.Message, TenantScope.HeaderName);
        }
    }
}
