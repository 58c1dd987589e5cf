using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Endpoints;

public static class PredictionEndpoints
{
    public static RouteGroupBuilder MapPredictionEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapTwinGroup("Predictions", PlatformScopes.TwinRead);
        group.MapPost("/predict", async (HttpContext context, TwinScoringService twin, CancellationToken cancellationToken) =>
                TwinEndpointConventions.Json(await twin.PredictAsync(TenantScope.Of(context).TenantId,
                    await context.ReadBodyAsync<PredictRequest>(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false)))
            .WithName("Predict")
            .WithSummary("Affinity of one user to one property.")
            .WithDescription("Affinity is the cosine similarity of the user's and the property's embeddings mapped to [0, 1]; confidence grows "
                + "with the user's interactions. user_source says whether the user vector was trained, folded in, or a popularity fallback.")
            .WithRequestBodyLimit(RequestBodyLimit.SingleObject)
            .Accepts<PredictRequest>("application/json")
            .Produces<PredictResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/batch_predict", async (HttpContext context, TwinScoringService twin, CancellationToken cancellationToken) =>
                TwinEndpointConventions.Json(await twin.BatchPredictAsync(TenantScope.Of(context).TenantId,
                    await context.ReadBodyAsync<BatchPredictRequest>(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false)))
            .WithName("BatchPredict")
            .WithSummary("Affinity of one user to many properties.")
            .WithRequestBodyLimit(routes.BatchBodyLimit())
            .Accepts<BatchPredictRequest>("application/json")
            .Produces<BatchPredictResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }
}
