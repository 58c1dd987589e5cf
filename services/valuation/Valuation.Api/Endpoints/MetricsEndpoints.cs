using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.Valuation.Api.Estimation;

namespace Platform.Valuation.Api.Endpoints;

/// <summary>
/// The quality of the caller's tenant's champion: <c>GET /metrics</c> (raw metrics recorded in the registry) and <c>GET /metrics/summary</c> (the
/// human-readable report registered with it). Operational metrics are at /metrics/prometheus (service defaults).
/// </summary>
public static class MetricsEndpoints
{
    public sealed record ModelMetrics(string Model, int Version, IReadOnlyDictionary<string, double> Metrics);

    public static IEndpointRouteBuilder MapMetricsEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Metrics").RequireScope(PlatformScopes.Estimate, PlatformScopes.Admin).RequireTenant()
            .AllowAdminToTargetTenant().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("/metrics", async Task<Results<Ok<ModelMetrics>, ProblemHttpResult>> (
                HttpContext context, ModelRegistry registry, EstimationService estimation, CancellationToken cancellationToken) =>
            {
                var champion = await ChampionAsync(context, registry, estimation, cancellationToken).ConfigureAwait(false);
                return champion is null
                    ? NoChampion(estimation)
                    : TypedResults.Ok(new ModelMetrics(champion.ModelName, champion.Version, champion.Metrics));
            })
            .WithName("GetModelMetrics")
            .WithSummary("The champion's raw evaluation metrics as recorded in the model registry.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/metrics/summary", async Task<Results<ContentHttpResult, ProblemHttpResult>> (
                HttpContext context, ModelRegistry registry, IArtifactStore artifacts, EstimationService estimation, CancellationToken cancellationToken) =>
            {
                var champion = await ChampionAsync(context, registry, estimation, cancellationToken).ConfigureAwait(false);
                if (champion is null)
                {
                    return NoChampion(estimation);
                }

                if (champion.ReportArtifactId is not { } reportId || !await artifacts.ExistsAsync(reportId, cancellationToken).ConfigureAwait(false))
                {
                    return EstimateEndpoints.Problem(StatusCodes.Status404NotFound, "No quality report.",
                        $"{champion.ModelName} v{champion.Version} was registered without a report.", null);
                }

                await using var stream = await artifacts.OpenReadAsync(reportId, cancellationToken).ConfigureAwait(false);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                return TypedResults.Text(text, ContentTypeOf(reportId), Encoding.UTF8);
            })
            .WithName("GetModelQualitySummary")
            .WithSummary("The champion's quality report: overall and per segment, best and worst segment, risk flags, thresholds.")
            .Produces<string>(contentType: "text/markdown")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static Task<ModelVersion?> ChampionAsync(HttpContext context, ModelRegistry registry, EstimationService estimation, CancellationToken cancellationToken) =>
        registry.ResolveAsync(TenantScope.Of(context).TenantId, estimation.Options.ModelName, ModelRegistry.Champion, cancellationToken);

    private static ProblemHttpResult NoChampion(EstimationService estimation) => EstimateEndpoints.Problem(
        StatusCodes.Status404NotFound, "No champion.", $"'{estimation.Options.ModelName}' has no champion in the registry for this tenant.", null);

    private static string ContentTypeOf(string artifactId) => Path.GetExtension(artifactId).ToLowerInvariant() switch
    {
        ".md" => "text/markdown",
        ".json" => "application/json",
        ".html" => "text/html",
        _ => "text/plain",
    };
}
