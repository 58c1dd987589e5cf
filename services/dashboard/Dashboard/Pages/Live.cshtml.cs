using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Dashboard.Live;

namespace Platform.Dashboard.Pages;

public sealed class LiveModel(EstimatesFeed feed) : PageModel
{
    public IReadOnlyList<LiveEstimate> History { get; private set; } = [];

    public void OnGet() => History = [.. feed.History(Auth.DashboardUser.From(User)?.TenantId ?? string.Empty).Reverse().Take(100)];
}
