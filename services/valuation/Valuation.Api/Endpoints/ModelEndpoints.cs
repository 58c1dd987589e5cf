using Microsoft.AspNetCore.Http.HttpResults;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.Valuation.Api.Estimation;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Api.Endpoints;

/// <summary>What is serving the caller's tenant (<c>GET /model/info</c>) and a forced reload of it (<c>POST /admin/reload</c>, API key).</summary>
public static class ModelEndpoints
{
    public sealed record FeatureInfo(string Name, string Kind, bool Required, double? Min, double? Max, IReadOnlyList<string>? Categories);

    public sealed record ModelInfo(
        string Model,
        int Version,
        string Sha256,
        long SizeBytes,
        DateTimeOffset CreatedAt,
        DateTimeOffset LoadedAt,
        IReadOnlyDictionary<string, double> Metrics,
        ModelLineage Lineage,
        IReadOnlyList<FeatureInfo> Features,
        string? LastError);

    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder routes)
    {
        // Operational reads: the tenant's own callers, or a platform admin naming the tenant.
        var model = routes.MapGroup("/model").WithTags("Model").RequireScope(PlatformScopes.Estimate, PlatformScopes.Admin)
            .RequireTenant().AllowAdminToTargetTenant();
        model.MapGet("/info", async Task<Results<Ok<ModelInfo>, ProblemHttpResult>> (
                HttpContext context, TenantChampions<ValuationModel> champions, CancellationToken cancellationToken) =>
            {
                var cache = champions.For(TenantScope.Of(context).TenantId);
                if (cache.Current is null)
                {
                    await cache.GetAsync(cancellationToken).ConfigureAwait(false);
                }
                return Info(cache);
            })
            .WithName("GetModelInfo")
            .WithSummary("The model serving the tenant's estimates: version, metrics, lineage, features with their training ranges.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        routes.MapModelReload<ValuationModel, Results<Ok<ModelInfo>, ProblemHttpResult>>(Info);
        return routes;
    }

    private static Results<Ok<ModelInfo>, ProblemHttpResult> Info(ChampionModelCache<ValuationModel> cache)
    {
        if (cache.Current is not { } loaded)
        {
            return EstimateEndpoints.Problem(StatusCodes.Status503ServiceUnavailable, "No model is deployed.",
                cache.LastError ?? $"No champion of '{cache.ModelName}' is loaded yet for tenant '{cache.TenantId}'.", null);
        }

        var version = loaded.Version;
        var features = loaded.Model.Features
            .Select(f => new FeatureInfo(f.Name, f.Kind == FeatureKind.Numeric ? "numeric" : "categorical", f.Required, f.Min, f.Max, f.Categories))
            .ToList();
        return TypedResults.Ok(
            new ModelInfo(version.ModelName, version.Version, version.Sha256, version.SizeBytes, version.CreatedAt, loaded.LoadedAt,
                version.Metrics, version.Lineage, features, cache.LastError));
    }
}
