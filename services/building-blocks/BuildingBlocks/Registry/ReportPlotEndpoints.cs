using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Registry;

/// <summary>
/// The plots of a registered version's quality report, for every model in the registry: <c>GET /registry/{model}/versions/{version}/plots</c>
/// lists them, <c>.../plots/{plot}</c> serves one as PNG. Read-only like the other registry views, and like them for the
/// caller's tenant only: a version is looked up among the tenant's own, so another tenant's report is never reachable.
/// </summary>
public static class ReportPlotEndpoints
{
    public sealed record ReportPlotLink(string Name, string Title, string Url);

    public sealed record ReportPlotList(string Model, int Version, IReadOnlyList<ReportPlotLink> Plots);

    public static IEndpointRouteBuilder MapReportPlotEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/registry/{model}/versions/{version:int}/plots").WithTags("Registry").RequireTenantCredential()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("", ListAsync)
            .WithName("ListReportPlots")
            .WithSummary("The plots of a version's quality report (empty when it was registered without them).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{plot}", GetAsync)
            .WithName("GetReportPlot")
            .WithSummary("One plot of a version's quality report as PNG.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<Results<Ok<ReportPlotList>, ProblemHttpResult>> ListAsync(
        string model, int version, HttpContext context, ModelRegistry registry, IArtifactStore artifacts, CancellationToken cancellationToken)
    {
        var registered = await registry.GetVersionAsync(TenantScope.Of(context).TenantId, model, version, cancellationToken).ConfigureAwait(false);
        if (registered is null)
        {
            return NoVersion(model, version);
        }

        var plots = await ReportPlots.ListAsync(artifacts, registered.ReportArtifactId, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ReportPlotList(model, version,
            [.. plots.Select(p => new ReportPlotLink(p.Name, p.Title, $"/registry/{model}/versions/{version}/plots/{p.Name}"))]));
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> GetAsync(
        string model, int version, string plot, HttpContext context, ModelRegistry registry, IArtifactStore artifacts, CancellationToken cancellationToken)
    {
        var registered = await registry.GetVersionAsync(TenantScope.Of(context).TenantId, model, version, cancellationToken).ConfigureAwait(false);
        if (registered is null)
        {
            return NoVersion(model, version);
        }

        var name = plot.EndsWith(".png", StringComparison.Ordinal) ? plot[..^4] : plot;
        var listed = await ReportPlots.ListAsync(artifacts, registered.ReportArtifactId, cancellationToken).ConfigureAwait(false);
        if (!listed.Any(p => p.Name == name))
        {
            return Problem(StatusCodes.Status404NotFound, "No such plot.",
                listed.Count == 0
                    ? $"{model} v{version} was registered without report plots."
                    : $"{model} v{version} has no plot '{plot}'; its plots are {string.Join(", ", listed.Select(p => p.Name))}.",
                "plot");
        }

        try
        {
            var stream = await artifacts.OpenReadAsync(ReportPlots.PlotArtifactId(registered.ReportArtifactId!, name), cancellationToken).ConfigureAwait(false);
            return TypedResults.Stream(stream, "image/png");
        }
        catch (FileNotFoundException)
        {
            return Problem(StatusCodes.Status404NotFound, "No such plot.", $"The file of plot '{name}' of {model} v{version} is missing from the artifact store.", "plot");
        }
    }

    private static ProblemHttpResult NoVersion(string model, int version) =>
        Problem(StatusCodes.Status404NotFound, "No such model version.", $"Model '{model}' has no version {version}.", "version");

    private static ProblemHttpResult Problem(int status, string title, string detail, string field) => TypedResults.Problem(
        title: title, detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["field"] = field });
}
