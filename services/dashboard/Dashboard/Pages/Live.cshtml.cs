using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Dashboard.Live;

namespace Platform.Dashboard.Pages;

public sealed class LiveModel(EstimatesFeed feed) : PageModel
{
    public IReadOnlyList<LiveEstimate> History { get; private set; } = [];

    public void OnGet() => History = [.. feed.History().Reverse().Take(100)];
}
