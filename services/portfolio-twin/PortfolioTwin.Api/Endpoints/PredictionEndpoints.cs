using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.PortfolioTwin.Api.Endpoints;

public static class PredictionEndpoints
{
    public static RouteGroupBuilder MapPredictionEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapTwinGroup("Predictions", PlatformScopes.TwinRead);
        group.MapScoringPost<PredictRequest, PredictResponse>("/predict", (twin, tenantId, request, ct) => twin.PredictAsync(tenantId, request, ct))
            .WithName("Predict")
            .WithSummary("Affinity of one user to one property.")
            .WithDescription("Affinity is the cosine similarity of the user's and the property's embeddings mapped to [0, 1]; confidence grows "
                + "with the user's interactions. user_source says whether the user vector was trained, folded in, or a popularity fallback.")
            .WithRequestBodyLimit(RequestBodyLimit.SingleObject)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapScoringPost<BatchPredictRequest, BatchPredictResponse>("/batch_predict", (twin, tenantId, request, ct) => twin.BatchPredictAsync(tenantId, request, ct))
            .WithName("BatchPredict")
            .WithSummary("Affinity of one user to many properties.")
            .WithRequestBodyLimit(routes.BatchBodyLimit())
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }
}
