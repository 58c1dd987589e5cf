using System.Text.RegularExpressions;

namespace Platform.BuildingBlocks.VectorSearch;

/// <summary>The type of a payload field; a filter condition must suit it (ranges on numbers, radius on geo points).</summary>
public enum PayloadFieldType
{
    Keyword,
    Integer,
    Float,
    Geo,
    Bool,
}

/// <summary>A payload field the caller declares; <paramref name="Indexed"/> asks for a payload index (created before loading).</summary>
public sealed record PayloadField(string Name, PayloadFieldType Type, bool Indexed = true);

/// <summary>
/// An embedding space: one collection (per version) holding every tenant's points of one dimension and payload shape.
/// <see cref="Name"/> is the alias readers use; versions are named <c>{Name}-{version}</c>. A space pinned to a version
/// (<see cref="AtVersion"/>) reads that version even after the alias moved on (for the adapter's grace period), so a request
/// that started on one version finishes on it.
/// </summary>
public sealed partial class VectorSpace
{
    /// <summary>The payload key that scopes every point to its tenant (a keyword index with <c>is_tenant</c> in Qdrant).</summary>
    public const string TenantField = "tenant_id";

    /// <summary>The payload key holding the caller's point id (backends may store points under a derived id).</summary>
    public const string IdField = "point_id";

    private readonly Dictionary<string, PayloadField> _fields;

    public VectorSpace(string name, int dimension, IReadOnlyList<PayloadField> fields)
    {
        if (!ValidName().IsMatch(name ?? string.Empty))
        {
            throw new ArgumentException($"Space name '{name}' must be 1-63 of a-z, 0-9, '-' or '_', starting with a letter or digit.", nameof(name));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentNullException.ThrowIfNull(fields);
        _fields = new Dictionary<string, PayloadField>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            if (!ValidName().IsMatch(field.Name ?? string.Empty) || field.Name is TenantField or IdField)
            {
                throw new ArgumentException($"Payload field name '{field.Name}' is invalid or reserved.", nameof(fields));
            }

            if (!_fields.TryAdd(field.Name!, field))
            {
                throw new ArgumentException($"Payload field '{field.Name}' is declared twice.", nameof(fields));
            }
        }

        Name = name!;
        Dimension = dimension;
        Fields = [.. fields];
    }

    private VectorSpace(VectorSpace space, string version)
    {
        space.CollectionFor(version);
        _fields = space._fields;
        Name = space.Name;
        Dimension = space.Dimension;
        Fields = space.Fields;
        Version = version;
    }

    public string Name { get; }

    public int Dimension { get; }

    public IReadOnlyList<PayloadField> Fields { get; }

    /// <summary>The version this space is pinned to, or null for whatever the alias serves.</summary>
    public string? Version { get; }

    /// <summary>This space pinned to <paramref name="version"/>: reads and writes go to that version, not to the alias.</summary>
    public VectorSpace AtVersion(string version) => new(this, version);

    public PayloadField? FieldNamed(string name) => _fields.GetValueOrDefault(name);

    /// <summary>The collection that holds <paramref name="version"/> of this space.</summary>
    public string CollectionFor(string version)
    {
        if (!ValidName().IsMatch(version ?? string.Empty))
        {
            throw new ArgumentException($"Version '{version}' must be 1-63 of a-z, 0-9, '-' or '_'.", nameof(version));
        }

        return $"{Name}-{version}";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex ValidName();
}

/// <summary>A position on the earth in degrees.</summary>
public readonly record struct GeoPoint(double Latitude, double Longitude);

/// <summary>One typed payload value: exactly one of keyword, integer, float, geo point or bool, as <see cref="Type"/> says.</summary>
public readonly record struct PayloadValue
{
    private PayloadValue(PayloadFieldType type, string? keyword = null, long integer = 0, double number = 0, GeoPoint geo = default, bool flag = false)
    {
        Type = type;
        KeywordValue = keyword;
        IntegerValue = integer;
        FloatValue = number;
        GeoValue = geo;
        BoolValue = flag;
    }

    public PayloadFieldType Type { get; }

    public string? KeywordValue { get; }

    public long IntegerValue { get; }

    public double FloatValue { get; }

    public GeoPoint GeoValue { get; }

    public bool BoolValue { get; }

    /// <summary>The value as a number, for range conditions (integer or float).</summary>
    public double Number => Type == PayloadFieldType.Integer ? IntegerValue : FloatValue;

    public static PayloadValue Keyword(string value) => new(PayloadFieldType.Keyword, keyword: value ?? throw new ArgumentNullException(nameof(value)));

    public static PayloadValue Integer(long value) => new(PayloadFieldType.Integer, integer: value);

    public static PayloadValue Float(double value) => new(PayloadFieldType.Float, number: value);

    public static PayloadValue Geo(double latitude, double longitude) => new(PayloadFieldType.Geo, geo: new GeoPoint(latitude, longitude));

    public static PayloadValue Bool(bool value) => new(PayloadFieldType.Bool, flag: value);

    public override string ToString() => Type switch
    {
        PayloadFieldType.Keyword => $"'{KeywordValue}'",
        PayloadFieldType.Integer => IntegerValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        PayloadFieldType.Float => FloatValue.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        PayloadFieldType.Geo => $"({GeoValue.Latitude}, {GeoValue.Longitude})",
        _ => BoolValue ? "true" : "false",
    };
}

/// <summary>A point of one tenant: the caller's id, its vector and its payload (only declared fields).</summary>
public sealed record VectorPoint(string Id, float[] Vector, IReadOnlyDictionary<string, PayloadValue> Payload);

/// <summary>A result: cosine similarity in [-1, 1] (or the strategy's score for recommend) and the point's payload.</summary>
public sealed record VectorHit(string Id, float Score, IReadOnlyDictionary<string, PayloadValue> Payload);

/// <summary>How recommend turns examples into scores (Qdrant's <c>average_vector</c> and <c>best_score</c>).</summary>
public enum RecommendStrategy
{
    /// <summary>Search with avg(positive) + (avg(positive) − avg(negative)) (just avg(positive) without negatives).</summary>
    AverageVector,

    /// <summary>
    /// Score each candidate by its best similarity to any positive; when it is closer to a negative than to every positive,
    /// the score is −(best negative similarity)², so those rank last.
    /// </summary>
    BestScore,
}

/// <summary>A nearest-neighbour query of one tenant.</summary>
public sealed record VectorQuery(string TenantId, float[] Vector, int Limit)
{
    public VectorFilter? Filter { get; init; }
}

/// <summary>A recommend query of one tenant: example ids, the strategy (null: the index's configured default) and a filter.</summary>
public sealed record RecommendQuery(string TenantId, IReadOnlyList<string> Positive, IReadOnlyList<string> Negative, int Limit)
{
    public VectorFilter? Filter { get; init; }

    public RecommendStrategy? Strategy { get; init; }
}
