namespace Platform.BuildingBlocks.VectorSearch;

/// <summary>One condition of a filter, on a declared payload field (or on ids). Qdrant's condition types.</summary>
public abstract record FilterCondition;

/// <summary>The field equals the value (keyword, integer or bool).</summary>
public sealed record MatchCondition(string Field, PayloadValue Value) : FilterCondition;

/// <summary>The field equals any of the values (keyword or integer); an empty list matches nothing.</summary>
public sealed record MatchAnyCondition(string Field, IReadOnlyList<PayloadValue> Values) : FilterCondition;

/// <summary>A numeric field (integer or float) within the bounds given; null bounds are open.</summary>
public sealed record RangeCondition(string Field, double? Gte = null, double? Lte = null, double? Gt = null, double? Lt = null) : FilterCondition;

/// <summary>A geo field within <paramref name="RadiusMeters"/> of <paramref name="Center"/> (great-circle distance).</summary>
public sealed record GeoRadiusCondition(string Field, GeoPoint Center, double RadiusMeters) : FilterCondition;

/// <summary>The point's id is one of these (the caller's ids; ids the tenant lacks are ignored).</summary>
public sealed record HasIdCondition(IReadOnlyCollection<string> Ids) : FilterCondition;

/// <summary>
/// Qdrant's boolean filter: every <see cref="Must"/> holds, at least one <see cref="Should"/> holds (when there are any), and
/// no <see cref="MustNot"/> holds. A filter is itself a condition, so filters nest.
/// </summary>
public sealed record VectorFilter : FilterCondition
{
    public IReadOnlyList<FilterCondition> Must { get; init; } = [];

    public IReadOnlyList<FilterCondition> Should { get; init; } = [];

    public IReadOnlyList<FilterCondition> MustNot { get; init; } = [];

    public bool IsEmpty => Must.Count == 0 && Should.Count == 0 && MustNot.Count == 0;

    public static VectorFilter All(params FilterCondition[] conditions) => new() { Must = conditions };
}
