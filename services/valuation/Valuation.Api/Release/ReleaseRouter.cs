using Platform.BuildingBlocks.Registry;
using Platform.Valuation.Api.Estimation;

namespace Platform.Valuation.Api.Release;

/// <summary>How a challenger model takes part in estimate traffic (configuration <c>Valuation:Release</c>).</summary>
public enum ReleaseMode
{
    /// <summary>The champion answers everything.</summary>
    None,

    /// <summary>A share of HTTP estimate requests is answered by the challenger (the response says so).</summary>
    Canary,

    /// <summary>A share of requests is also scored by the challenger, recorded in metrics and never returned.</summary>
    Shadow,
}

public sealed class ReleaseOptions
{
    public ReleaseMode Mode { get; set; } = ReleaseMode.None;

    /// <summary>Share of estimate requests routed to (canary) or scored by (shadow) the challenger, 0..1.</summary>
    [System.ComponentModel.DataAnnotations.Range(0.0, 1.0)]
    public double Share { get; set; } = 0.1;
}

/// <summary>The model that answers one request and the alias it was served under.</summary>
public sealed record ServingChoice(LoadedModel<ValuationModel> Model, string Alias);

/// <summary>
/// Picks the model for each estimate request: the tenant's champion, or its challenger alias for a canary share. Rolling a
/// canary back is an alias move in the registry (challenger → the champion's version): a challenger that is the champion
/// takes no traffic. Routing is per request, not per row, so a batch is priced by one model.
/// </summary>
public sealed class ReleaseRouter(TenantChampions<ValuationModel> challengers, Func<ReleaseOptions> options)
{
    public TenantChampions<ValuationModel> Challengers => challengers;

    public ReleaseOptions Options => options();

    /// <summary>The tenant's challenger when it is loaded and differs from <paramref name="champion"/>; null otherwise.</summary>
    public LoadedModel<ValuationModel>? ActiveChallenger(string tenantId, LoadedModel<ValuationModel> champion) =>
        Options.Mode != ReleaseMode.None && challengers.For(tenantId).Current is { } loaded && loaded.Version.Version != champion.Version.Version ? loaded : null;

    public ServingChoice Choose(string tenantId, LoadedModel<ValuationModel> champion)
    {
        var settings = Options;
        return settings.Mode == ReleaseMode.Canary && ActiveChallenger(tenantId, champion) is { } canary && Random.Shared.NextDouble() < settings.Share
            ? new ServingChoice(canary, ModelRegistry.Challenger)
            : new ServingChoice(champion, ModelRegistry.Champion);
    }

    /// <summary>The challenger to score this request in shadow, or null.</summary>
    public LoadedModel<ValuationModel>? ShadowFor(string tenantId, LoadedModel<ValuationModel> champion)
    {
        var settings = Options;
        return settings.Mode == ReleaseMode.Shadow && ActiveChallenger(tenantId, champion) is { } shadow && Random.Shared.NextDouble() < settings.Share ? shadow : null;
    }
}
