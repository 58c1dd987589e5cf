using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.PortfolioTwin.Api.Indexing;
using Platform.PortfolioTwin.Api.Serving;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.PortfolioTwin.Api.Endpoints;

public static class IndexEndpoints
{
    public static RouteGroupBuilder MapIndexEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapTwinGroup("Index", PlatformScopes.TwinWrite);
        group.MapPost("/index/rebuild", async (HttpContext context, PropertyIndexer indexer, CancellationToken cancellationToken) =>
            {
                var tenantId = TenantScope.Of(context).TenantId;
                try
                {
                    var count = await indexer.ReindexAsync(tenantId, cancellationToken).ConfigureAwait(false);
                    return TwinEndpointConventions.Json(new Dictionary<string, object> { ["tenant_id"] = tenantId, ["indexed"] = count });
                }
                catch (InvalidOperationException exception)
                {
                    throw new TwinRequestException(StatusCodes.Status503ServiceUnavailable, "No model is deployed.", exception.Message);
                }
            })
            .WithName("RebuildIndex")
            .WithSummary("Re-encodes the tenant's properties with the champion and rewrites the vector index (scope twin:write).")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }
}
