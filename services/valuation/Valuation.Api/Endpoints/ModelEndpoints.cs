using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.Valuation.Api.Estimation;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Api.Endpoints;

/// <summary>What is serving (<c>GET /model/info</c>) and a forced reload (<c>POST /admin/reload</c>, API key).</summary>
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
        var model = routes.MapGroup("/model").WithTags("Model").RequireScope(PlatformScopes.Estimate, PlatformScopes.Admin)
            .RequireRateLimiting(ServiceDefaultsExtensions.RateLimitPolicy);
        model.MapGet("/info", (ChampionModelCache<ValuationModel> cache) => Info(cache))
            .WithName("GetModelInfo")
            .WithSummary("The model serving estimates: version, metrics, lineage, features with their training ranges.")
            .Produces<ModelInfo>()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        routes.MapModelReload<ValuationModel>(Info).Produces<ModelInfo>();
        return routes;
    }

    private static IResult Info(ChampionModelCache<ValuationModel> cache)
    {
        if (cache.Current is not { } loaded)
        {
            return EstimateEndpoints.Problem(StatusCodes.Status503ServiceUnavailable, "No model is deployed.",
                cache.LastError ?? $"No champion of '{cache.ModelName}' is loaded yet.", null);
        }

        var version = loaded.Version;
        var features = loaded.Model.Features
            .Select(f => new FeatureInfo(f.Name, f.Kind == FeatureKind.Numeric ? "numeric" : "categorical", f.Required, f.Min, f.Max, f.Categories))
            .ToList();
        return TypedResults.Json(
            new ModelInfo(version.ModelName, version.Version, version.Sha256, version.SizeBytes, version.CreatedAt, loaded.LoadedAt,
                version.Metrics, version.Lineage, features, cache.LastError),
            ValuationJson.Options);
    }
}
