using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Dashboard.Api;

namespace Platform.Dashboard.Pages;

/// <summary>
/// The registry of a model (<c>GET /registry/{model}/versions</c>, <c>/aliases</c>), two versions side by side, the plots of a
/// chosen version's quality report (<c>GET /registry/{model}/versions/{version}/plots</c>, relayed by the Plot handler so the
/// browser needs no credentials of its own), the champion's quality report (<c>GET /metrics/summary</c>, price model) and, for
/// administrators, promotion and rollback — both an alias move (<c>POST /registry/{model}/aliases/champion</c>).
/// </summary>
public sealed class ModelsModel(PlatformApi api) : PageModel
{
    public static readonly IReadOnlyList<string> KnownModels = ["price", "twin"];

    [BindProperty(SupportsGet = true)] public string Model { get; set; } = "price";
    [BindProperty(SupportsGet = true)] public int? A { get; set; }
    [BindProperty(SupportsGet = true)] public int? B { get; set; }
    [BindProperty(SupportsGet = true)] public string? Moved { get; set; }

    /// <summary>The version whose report plots are shown: the champion unless chosen.</summary>
    [BindProperty(SupportsGet = true)] public int? Report { get; set; }

    public bool IsAdmin => api.User.IsAdmin;
    public ApiResult<List<ModelVersionInfo>> Versions { get; private set; }
    public Dictionary<string, int> Aliases { get; private set; } = [];
    public ApiResult<string>? ReportText { get; private set; }
    public ApiResult<ReportPlotListInfo>? Plots { get; private set; }
    public ApiProblem? ActionProblem { get; private set; }

    public int? Champion => Aliases.TryGetValue("champion", out var v) ? v : null;

    public ModelVersionInfo? VersionA => Versions.Value?.FirstOrDefault(v => v.Version == A);
    public ModelVersionInfo? VersionB => Versions.Value?.FirstOrDefault(v => v.Version == B);

    /// <summary>The metrics both compared versions have (numeric, so they can be charted side by side).</summary>
    public IReadOnlyList<string> SharedMetrics => VersionA?.Metrics is { } a && VersionB?.Metrics is { } b
        ? [.. a.Keys.Intersect(b.Keys).Order(StringComparer.Ordinal)]
        : [];

    /// <summary>The metric charted across versions: the first of the usual headline metrics the model records.</summary>
    public string? HeadlineMetric => Versions.Value?.SelectMany(v => v.Metrics?.Keys ?? []).Distinct()
        .OrderBy(k => Array.IndexOf(Headlines, k) is var i && i < 0 ? int.MaxValue : i).ThenBy(k => k, StringComparer.Ordinal).FirstOrDefault();

    private static readonly string[] Headlines = ["mdape", "ndcg_at_10", "wape", "f1", "auc", "recall_at_10"];

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    /// <summary>One report plot as PNG, fetched from the API with the signed-in user's credentials.</summary>
    public async Task<IActionResult> OnGetPlotAsync(int version, string? plot, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(plot))
        {
            return NotFound();
        }

        var png = await api.GetReportPlotAsync(Model, version, plot, ct);
        return png.Problem is { } problem ? StatusCode(problem.Status ?? StatusCodes.Status502BadGateway) : File(png.Value!, "image/png");
    }

    public string PlotUrl(int version, string plot) =>
        $"/dashboard/models?handler=plot&model={Uri.EscapeDataString(Model)}&version={version}&plot={Uri.EscapeDataString(plot)}";

    public async Task<IActionResult> OnPostPromoteAsync(int version, CancellationToken ct)
    {
        if (!api.User.IsAdmin)
        {
            return Forbid();
        }

        var moved = await api.SetAliasAsync(Model, "champion", version, ct);
        if (moved.Problem is { } problem)
        {
            ActionProblem = problem;
            await LoadAsync(ct);
            return Page();
        }

        return Redirect($"/dashboard/models?model={Uri.EscapeDataString(Model)}&moved={version}");
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        if (Model.Length is 0 or > 64)
        {
            Model = "price";
        }

        Versions = await api.ListVersionsAsync(Model, ct);
        Aliases = (await api.GetAliasesAsync(Model, ct)).Value ?? [];
        if (Versions.Value is { Count: > 0 } versions)
        {
            B ??= Champion ?? versions[^1].Version;
            A ??= versions.LastOrDefault(v => v.Version != B)?.Version;
            if (Report is not { } chosen || versions.All(v => v.Version != chosen))
            {
                Report = Champion ?? versions[^1].Version;
            }

            Plots = await api.ListReportPlotsAsync(Model, Report.Value, ct);
        }

        if (Model == "price")
        {
            ReportText = await api.GetQualityReportAsync(ct);
        }
    }
}
