using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.PortfolioTwin.Api.Endpoints;

public static class SimilarityEndpoints
{
    public static RouteGroupBuilder MapSimilarityEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapTwinGroup("Similarity", PlatformScopes.TwinRead);
        group.MapScoringPost<SimilarRequest, SimilarResponse>("/similar", (twin, tenantId, request, ct) => twin.SimilarAsync(tenantId, request, ct))
            .WithName("Similar")
            .WithSummary("Look-alikes of a property (by id), of described features, or of an embedding vector.")
            .WithDescription("Same filters as /recommend. An indexed property is never its own look-alike.")
            .WithRequestBodyLimit(RequestBodyLimit.SingleObject)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapScoringPost<EmbeddingRequest, EmbeddingResponse>("/embedding", (twin, tenantId, request, ct) => twin.EmbedAsync(tenantId, request, ct))
            .WithName("Embedding")
            .WithSummary("The encoder's unit-length embedding of a property.")
            .WithRequestBodyLimit(RequestBodyLimit.SingleObject)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }
}
