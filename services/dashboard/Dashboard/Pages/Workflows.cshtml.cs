using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Dashboard.Api;

namespace Platform.Dashboard.Pages;

/// <summary>
/// Training workflow instances of the signed-in tenant (<c>GET /workflows</c>, filtered on the tenant the input names) and
/// starting a retraining (<c>POST /workflows/{name}/start</c>). The workflow API needs the API key, so only administrators.
/// </summary>
public sealed class WorkflowsModel(PlatformApi api) : PageModel
{
    public static readonly IReadOnlyList<string> Startable = ["PlatformRetraining", "PriceModelTraining", "PortfolioTwinTraining"];

    public bool IsAdmin => api.User.IsAdmin;
    public ApiResult<WorkflowPage>? Instances { get; private set; }
    public ApiProblem? StartProblem { get; private set; }

    /// <summary>Instances whose input names the signed-in tenant; other tenants' runs are never listed.</summary>
    public IReadOnlyList<WorkflowInfo> TenantInstances { get; private set; } = [];

    /// <summary>Most recent instances looked at (the list route leaves inputs out, so each is read for its tenant).</summary>
    public const int Recent = 50;

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (!IsAdmin)
        {
            return;
        }

        Instances = await api.ListWorkflowsAsync(WorkflowManagementPageSize, ct);
        if (Instances.Value.Value?.Items is not { } items)
        {
            return;
        }

        var recent = items.OrderByDescending(w => w.CreatedAt).Take(Recent).ToList();
        var detailed = await Task.WhenAll(recent.Select(async w => w.Input is null ? (await api.GetWorkflowAsync(w.InstanceId, ct)).Value : w));
        TenantInstances = [.. detailed.Where(w => w?.TenantId == api.User.TenantId).Select(w => w!)];
    }

    private const int WorkflowManagementPageSize = 500;

    public async Task<IActionResult> OnPostStartAsync(string name, bool approvalRequired, CancellationToken ct)
    {
        if (!IsAdmin)
        {
            return Forbid();
        }

        if (!Startable.Contains(name))
        {
            StartProblem = new ApiProblem(400, "Unknown workflow.", $"'{name}' is not one of {string.Join(", ", Startable)}.", "name");
            await OnGetAsync(ct);
            return Page();
        }

        var input = new JsonObject { ["tenantId"] = api.User.TenantId, ["reason"] = "started from the dashboard" };
        if (approvalRequired)
        {
            if (name == "PlatformRetraining")
            {
                input["price"] = new JsonObject { ["tenantId"] = api.User.TenantId, ["approvalRequired"] = true };
            }
            else
            {
                input["approvalRequired"] = true;
            }
        }

        var started = await api.StartWorkflowAsync(name, input, ct);
        if (started.Problem is { } problem)
        {
            StartProblem = problem;
            await OnGetAsync(ct);
            return Page();
        }

        return Redirect($"/dashboard/workflows/{Uri.EscapeDataString(started.Value!.InstanceId)}");
    }
}
