using Microsoft.AspNetCore.Http.HttpResults;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Data;
using Platform.PortfolioTwin.Api.Interactions;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Endpoints;

public static class InteractionEndpoints
{
    public static RouteGroupBuilder MapInteractionEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapTwinGroup("Interactions", PlatformScopes.TwinWrite);
        group.MapPost("/interactions", IngestAsync)
            .WithRequestBodyLimit(routes.BatchBodyLimit())
            .WithName("IngestInteractions")
            .WithSummary("Stores a batch of interactions, idempotently by event_id.")
            .WithDescription("Each interaction: event_id, user_id, property_id, kind (view, like, dislike, outreach, deal), occurred_at "
                + "(default now; from 2000-01-01 to one day ahead). Users and properties must exist in the tenant (422 naming the field "
                + "otherwise). Redelivered events (same event_id, same content) are counted as duplicates and stored once; an event_id "
                + "reused with other content is a 409. A batch is stored whole or not at all. Users with new interactions get a "
                + "refreshed (folded-in) vector at once.")
            .Accepts<InteractionBatchRequest>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        return group;
    }

    private static async Task<Ok<InteractionBatchResponse>> IngestAsync(HttpContext context, InteractionIngestion ingestion, TwinScoringService twin, CancellationToken cancellationToken)
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
        var batch = ingestion.Validate(tenantId, inputs, "interactions", errors);
        if (errors.Count > 0)
        {
            throw TwinRequestException.Invalid(errors);
        }

        try
        {
            return TypedResults.Ok(await ingestion.IngestAsync(tenantId, batch, cancellationToken).ConfigureAwait(false));
        }
        catch (UnknownTenantException exception)
        {
            throw new TwinRequestException(StatusCodes.Status404NotFound, "Unknown tenant.", exception.Message, TenantScope.HeaderName);
        }
    }
}
