using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Dashboard.Api;

namespace Platform.Dashboard.Pages;

/// <summary>
/// One instance (<c>GET /workflows/{id}</c>) with live progress from its event stream, its step history with timings, and the
/// controls: approve or deny a waiting approval (<c>POST /workflows/{id}/events/approval</c>) and terminate.
/// </summary>
public sealed class WorkflowModel(PlatformApi api) : PageModel
{
    public const string ApprovalEvent = "approval";

    public static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    [BindProperty(SupportsGet = true)] public string InstanceId { get; set; } = "";
    [BindProperty(SupportsGet = true)] public string? Done { get; set; }

    public bool IsAdmin => api.User.IsAdmin;
    public ApiResult<WorkflowInfo>? Instance { get; private set; }
    public ApiProblem? ActionProblem { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostDecideAsync(bool approved, string? comment, CancellationToken ct)
    {
        if (!IsAdmin)
        {
            return Forbid();
        }

        var payload = new JsonObject { ["approved"] = approved, ["by"] = $"dashboard ({api.User.TenantId} administrator)", ["comment"] = comment ?? "" };
        return await ActAsync(approved ? "approved" : "denied", () => api.RaiseWorkflowEventAsync(InstanceId, ApprovalEvent, payload, ct), ct);
    }

    public async Task<IActionResult> OnPostTerminateAsync(CancellationToken ct)
    {
        if (!IsAdmin)
        {
            return Forbid();
        }

        return await ActAsync("terminated", () => api.TerminateWorkflowAsync(InstanceId, ct), ct);
    }

    private async Task<IActionResult> ActAsync(string done, Func<Task<ApiProblem?>> action, CancellationToken ct)
    {
        if (!await OwnedAsync(ct))
        {
            return NotFound();
        }

        if (await action() is { } problem)
        {
            ActionProblem = problem;
            await LoadAsync(ct);
            return Page();
        }

        return Redirect($"/dashboard/workflows/{Uri.EscapeDataString(InstanceId)}?done={done}");
    }

    private async Task<bool> OwnedAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Instance?.Value is { } w && w.TenantId == api.User.TenantId;
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        if (!IsAdmin)
        {
            return;
        }

        Instance = await api.GetWorkflowAsync(InstanceId, ct);
        // Another tenant's run is not shown, as if it did not exist.
        if (Instance?.Value is { } w && w.TenantId != api.User.TenantId)
        {
            Instance = new ApiProblem(404, "Workflow instance not found.", $"No workflow instance of this tenant has the id '{InstanceId}'.", "instanceId");
        }
    }
}
