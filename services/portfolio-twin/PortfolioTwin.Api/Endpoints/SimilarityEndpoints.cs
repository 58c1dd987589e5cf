using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Endpoints;

public static class SimilarityEndpoints
{
    public static RouteGroupBuilder MapSimilarityEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapTwinGroup("Similarity", PlatformScopes.TwinRead);
        group.MapPost("/similar", async (HttpContext context, TwinScoringService twin, CancellationToken cancellationToken) =>
                TwinEndpointConventions.Json(await twin.SimilarAsync(TenantScope.Of(context).TenantId,
                    await context.ReadBodyAsync<SimilarRequest>(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false)))
            .WithName("Similar")
            .WithSummary("Look-alikes of a property (by id), of described features, or of an embedding vector.")
            .WithDescription("Same filters as /recommend. An indexed property is never its own look-alike.")
            .WithRequestBodyLimit(RequestBodyLimit.SingleObject)
            .Accepts<SimilarRequest>("application/json")
            .Produces<SimilarResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/embedding", async (HttpContext context, TwinScoringService twin, CancellationToken cancellationToken) =>
                TwinEndpointConventions.Json(await twin.EmbedAsync(TenantScope.Of(context).TenantId,
                    await context.ReadBodyAsync<EmbeddingRequest>(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false)))
            .WithName("Embedding")
            .WithSummary("The encoder's unit-length embedding of a property.")
            .WithRequestBodyLimit(RequestBodyLimit.SingleObject)
            .Accepts<EmbeddingRequest>("application/json")
            .Produces<EmbeddingResponse>()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }
}
