using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Dashboard.Api;
using Platform.MarketData.Domain;

namespace Platform.Dashboard.Pages;

/// <summary>
/// A user's matches from <c>POST /recommend</c> with the page's filters, look-alikes (<c>POST /similar</c>), the explanation
/// (<c>GET /recommend/{user}/explain/{property}</c>) and thumbs up / down posted to <c>POST /interactions</c>, after which the
/// list is fetched again — the feedback loop made visible.
/// </summary>
public sealed class MatchesModel(PlatformApi api) : PageModel
{
    public const int TopK = 12;

    public static IReadOnlyList<string> PropertyTypeChoices => PropertyTypes.All;

    [BindProperty(SupportsGet = true, Name = "user")] public string? UserId { get; set; }
    [BindProperty(SupportsGet = true, Name = "type")] public List<string> Types { get; set; } = [];
    [BindProperty(SupportsGet = true)] public double? MinPrice { get; set; }
    [BindProperty(SupportsGet = true)] public double? MaxPrice { get; set; }
    [BindProperty(SupportsGet = true)] public int? MinBedrooms { get; set; }
    [BindProperty(SupportsGet = true)] public double? Latitude { get; set; }
    [BindProperty(SupportsGet = true)] public double? Longitude { get; set; }
    [BindProperty(SupportsGet = true)] public double? RadiusKm { get; set; }
    [BindProperty(SupportsGet = true)] public string? Similar { get; set; }
    [BindProperty(SupportsGet = true)] public string? Explain { get; set; }
    [BindProperty(SupportsGet = true)] public string? Feedback { get; set; }
    [BindProperty(SupportsGet = true)] public string? FeedbackOn { get; set; }

    public ApiResult<UserList> Users { get; private set; }
    public ApiResult<RecommendationList>? Recommendations { get; private set; }
    public ApiResult<SimilarList>? SimilarResults { get; private set; }
    public ApiResult<MatchExplanation>? Explanation { get; private set; }
    public string? FilterError { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Users = await api.ListUsersAsync(200, ct);
        if (string.IsNullOrEmpty(UserId) && Users.Value?.Users is [var first, ..])
        {
            UserId = first.UserId;
        }

        if (string.IsNullOrEmpty(UserId))
        {
            return;
        }

        var near = (Latitude, Longitude, RadiusKm) switch
        {
            (null, null, null) => null,
            ({ } lat, { } lon, { } km) => new GeoRadius(lat, lon, km),
            _ => null,
        };
        if (near is null && (Latitude ?? Longitude ?? RadiusKm) is not null)
        {
            FilterError = "A radius filter needs latitude, longitude and radius together.";
        }

        var filters = new MatchFilters
        {
            PropertyTypes = Types.Count > 0 ? Types : null,
            MinPrice = MinPrice,
            MaxPrice = MaxPrice,
            MinBedrooms = MinBedrooms,
            Near = near,
        };
        Recommendations = await api.RecommendAsync(UserId, TopK, filters, ct);
        if (!string.IsNullOrEmpty(Similar))
        {
            SimilarResults = await api.SimilarAsync(Similar, 6, ct);
        }

        if (!string.IsNullOrEmpty(Explain))
        {
            Explanation = await api.ExplainAsync(UserId, Explain, ct);
        }
    }

    /// <summary>Thumbs up (like) or down (dislike), then back to the same view with the recommendations fetched afresh.</summary>
    public async Task<IActionResult> OnPostFeedbackAsync(string propertyId, string kind, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(UserId) || string.IsNullOrEmpty(propertyId) || kind is not ("like" or "dislike"))
        {
            return BadRequest();
        }

        var posted = await api.PostInteractionAsync(UserId, propertyId, kind, ct);
        var query = Query(feedback: posted.Ok ? kind : "failed", feedbackOn: propertyId);
        return Redirect("/dashboard/matches" + query);
    }

    /// <summary>The current view's query string, with the given overrides (used for links and after feedback).</summary>
    public string Query(string? similar = null, string? explain = null, string? feedback = null, string? feedbackOn = null)
    {
        var parts = new List<KeyValuePair<string, string?>> { new("user", UserId) };
        parts.AddRange(Types.Select(t => new KeyValuePair<string, string?>("type", t)));
        void Add(string name, object? value)
        {
            if (value is not null)
            {
                parts.Add(new(name, Convert.ToString(value, CultureInfo.InvariantCulture)));
            }
        }

        Add("minPrice", MinPrice);
        Add("maxPrice", MaxPrice);
        Add("minBedrooms", MinBedrooms);
        Add("latitude", Latitude);
        Add("longitude", Longitude);
        Add("radiusKm", RadiusKm);
        Add("similar", similar);
        Add("explain", explain);
        Add("feedback", feedback);
        Add("feedbackOn", feedbackOn);
        return Microsoft.AspNetCore.Http.QueryString.Create(parts).ToString();
    }
}
