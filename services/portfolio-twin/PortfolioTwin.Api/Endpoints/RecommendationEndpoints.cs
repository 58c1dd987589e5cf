using Microsoft.AspNetCore.Http.HttpResults;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Endpoints;

public static class RecommendationEndpoints
{
    public static RouteGroupBuilder MapRecommendationEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapTwinGroup("Recommendations", PlatformScopes.TwinRead);
        group.MapScoringPost<RecommendRequest, RecommendResponse>("/recommend", (twin, tenantId, request, ct) => twin.RecommendAsync(tenantId, request, ct))
            .WithName("Recommend")
            .WithSummary("The user's best-matching properties.")
            .WithDescription("The user's vector is searched in the tenant's vector index with the filters applied inside the index "
                + "(property types, price range, bedrooms, radius around a point, status active by default); properties the user dealt "
                + "on or disliked are excluded. candidate_property_ids restricts the ranking to those properties.")
            .WithRequestBodyLimit(routes.CandidatesBodyLimit())
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/recommend/{userId}/explain/{propertyId}", async Task<Ok<ExplainResponse>> (
                string userId, string propertyId, HttpContext context, TwinScoringService twin, CancellationToken cancellationToken) =>
                TypedResults.Ok(await twin.ExplainAsync(TenantScope.Of(context).TenantId, userId, propertyId, cancellationToken).ConfigureAwait(false)))
            .WithName("ExplainMatch")
            .WithSummary("Why a property matches a user: the input features that move the score most.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }
}
