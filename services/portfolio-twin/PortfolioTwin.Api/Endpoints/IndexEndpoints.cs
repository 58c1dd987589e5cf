using Microsoft.AspNetCore.Http.HttpResults;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Indexing;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Endpoints;

public static class IndexEndpoints
{
    /// <summary>The answer of a rebuild: how many of the tenant's properties the index now holds.</summary>
    public sealed record IndexRebuilt(string TenantId, int Indexed);

    public static RouteGroupBuilder MapIndexEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapTwinGroup("Index", PlatformScopes.TwinWrite);
        group.MapPost("/index/rebuild", async Task<Ok<IndexRebuilt>> (HttpContext context, PropertyIndexer indexer, CancellationToken cancellationToken) =>
            {
                var tenantId = TenantScope.Of(context).TenantId;
                try
                {
                    var count = await indexer.ReindexAsync(tenantId, cancellationToken).ConfigureAwait(false);
                    return TypedResults.Ok(new IndexRebuilt(tenantId, count));
                }
                catch (InvalidOperationException exception)
                {
                    throw new TwinRequestException(StatusCodes.Status503ServiceUnavailable, "No model is deployed.", exception.Message);
                }
            })
            .Audited(AuditActions.IndexRebuild, call => TenantScope.Of(call.Http).TenantId, call => call.Value is IndexRebuilt answer
                ? new Dictionary<string, object?> { ["indexed"] = answer.Indexed }
                : null)
            .WithName("RebuildIndex")
            .WithSummary("Re-encodes the tenant's properties with the champion and rewrites the vector index (scope twin:write).")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }
}
