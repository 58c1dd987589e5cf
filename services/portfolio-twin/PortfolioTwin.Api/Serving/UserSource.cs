namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>Where a user's vector came from; returned to callers so a cold-start answer is recognisable as one.</summary>
public enum UserSource
{
    /// <summary>Learned in training.</summary>
    Trained,

    /// <summary>Folded in from the user's interactions since (or without) training.</summary>
    FoldedIn,

    /// <summary>A known user with no interactions: the tenant's most popular properties stand in for preferences.</summary>
    Popularity,
}

public static class UserSources
{
    public static string WireName(this UserSource source) => source switch
    {
        UserSource.Trained => "trained",
        UserSource.FoldedIn => "folded_in",
        UserSource.Popularity => "popularity",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, null),
    };
}
