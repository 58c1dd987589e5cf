using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Dashboard.Api;
using Platform.Dashboard.Monitoring;

namespace Platform.Dashboard.Pages;

/// <summary>Drift (<c>GET /monitoring/drift</c>), request rates and latency (<c>GET /metrics/prometheus</c>) and what is serving.</summary>
public sealed class MonitoringModel(PlatformApi api, RequestStatistics statistics) : PageModel
{
    public ApiResult<DriftReportInfo> Drift { get; private set; }
    public ApiResult<ModelInfo> Price { get; private set; }
    public ApiResult<Dictionary<string, int>> TwinAliases { get; private set; }
    public ApiResult<Dictionary<string, int>> PriceAliases { get; private set; }
    public IReadOnlyList<RouteStatistics>? Routes { get; private set; }
    public ApiProblem? MetricsProblem { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Drift = await api.GetDriftAsync(ct);
        Price = await api.GetModelInfoAsync(ct);
        PriceAliases = await api.GetAliasesAsync("price", ct);
        TwinAliases = await api.GetAliasesAsync("twin", ct);
        var metrics = await api.GetPrometheusTextAsync(ct);
        if (metrics.Problem is { } problem)
        {
            MetricsProblem = problem;
        }
        else
        {
            Routes = statistics.Read(metrics.Value!);
        }
    }
}
