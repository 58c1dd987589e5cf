using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Dashboard.Api;

namespace Platform.Dashboard.Pages;

public sealed class IndexModel(PlatformApi api) : PageModel
{
    public PlatformApi Api => api;

    public ApiResult<ModelInfo> Price { get; private set; }

    public ApiResult<Dictionary<string, int>> TwinAliases { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Price = await api.GetModelInfoAsync(ct);
        TwinAliases = await api.GetAliasesAsync("twin", ct);
    }
}
