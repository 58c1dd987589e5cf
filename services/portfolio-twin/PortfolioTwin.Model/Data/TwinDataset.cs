using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Model.Data;

/// <summary>What the twin trains on: one tenant's properties, users (for segments) and interactions.</summary>
public sealed record TwinDataset(
    IReadOnlyList<Property> Properties,
    IReadOnlyList<User> Users,
    IReadOnlyList<Interaction> Interactions)
{
    /// <summary>Optional estimated values from the valuation model, by property id.</summary>
    public IReadOnlyDictionary<string, double> EstimatedValues { get; init; } = new Dictionary<string, double>();
}

/// <summary>Minimum amounts of data below which training refuses to start.</summary>
public sealed record TwinDataRequirements
{
    public int MinInteractions { get; init; } = 100;
    public int MinProperties { get; init; } = 50;
    public int MinUsers { get; init; } = 2;

    /// <summary>Returns the first failed threshold as a sentence, or null when the data suffices.</summary>
    public string? Check(TwinDataset data)
    {
        if (data.Interactions.Count < MinInteractions)
            return $"too little data: {data.Interactions.Count} interactions, at least {MinInteractions} needed.";
        if (data.Properties.Count < MinProperties)
            return $"too little data: {data.Properties.Count} properties, at least {MinProperties} needed.";
        var users = data.Interactions.Select(i => i.UserId).Distinct(StringComparer.Ordinal).Count();
        if (users < MinUsers)
            return $"too little data: {users} users with interactions, at least {MinUsers} needed.";
        return null;
    }
}

/// <summary>
/// How strongly each interaction kind pulls a user towards a property (deal &gt; outreach &gt; like &gt; view; dislike is an
/// explicit negative). The one scale of the twin: training, fold-in, the baselines and serving's popularity ranking all
/// read <see cref="Default"/> (or the set a model was trained with, saved in its metadata).
/// </summary>
public sealed record InteractionWeights
{
    public static InteractionWeights Default { get; } = new();

    public float View { get; init; } = 0.25f;
    public float Like { get; init; } = 1f;
    public float Outreach { get; init; } = 2f;
    public float Deal { get; init; } = 4f;
    /// <summary>Weight of a disliked property when folding a user in (pushes away).</summary>
    public float Dislike { get; init; } = -1f;

    public float Of(InteractionKind kind) => kind switch
    {
        InteractionKind.View => View,
        InteractionKind.Like => Like,
        InteractionKind.Outreach => Outreach,
        InteractionKind.Deal => Deal,
        InteractionKind.Dislike => Dislike,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Strength order used to collapse repeated interactions: deal, outreach, like beat dislike, which beats view.</summary>
    public static int Rank(InteractionKind kind) => kind switch
    {
        InteractionKind.View => 0,
        InteractionKind.Dislike => 1,
        InteractionKind.Like => 2,
        InteractionKind.Outreach => 3,
        InteractionKind.Deal => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
