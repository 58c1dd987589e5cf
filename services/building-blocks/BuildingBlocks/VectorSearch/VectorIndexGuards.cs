namespace Platform.BuildingBlocks.VectorSearch;

/// <summary>
/// Argument checks shared by the adapters, so every backend rejects the same requests with the same exceptions, each naming
/// the field at fault (<see cref="ArgumentException.ParamName"/>), before anything is sent or written.
/// </summary>
public static class VectorIndexGuards
{
    /// <summary>The largest top-k any adapter accepts unless configured otherwise.</summary>
    public const int DefaultMaxLimit = 1_000;

    public static void EnsureTenant(string tenantId)
    {
        if (string.IsNullOrWhiteSpace(tenantId))
        {
            throw new ArgumentException("A tenant id is required; there is no cross-tenant access.", "tenantId");
        }
    }

    /// <summary>A list of ids to read: not null, and no id in it null or empty.</summary>
    public static void EnsureIds(IReadOnlyCollection<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Every id must be a non-empty string.", nameof(ids));
        }
    }

    public static void EnsurePoints(VectorSpace space, string tenantId, IReadOnlyList<VectorPoint> points)
    {
        ArgumentNullException.ThrowIfNull(space);
        EnsureTenant(tenantId);
        ArgumentNullException.ThrowIfNull(points);
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i] ?? throw new ArgumentException($"Point {i} is null.", $"points[{i}]");
            if (string.IsNullOrEmpty(point.Id))
            {
                throw new ArgumentException($"Point {i} has no id.", $"points[{i}].id");
            }

            var what = $"Point '{point.Id}' (tenant '{tenantId}')";
            if (point.Vector is null)
            {
                throw new ArgumentException($"{what}: the vector is required.", $"points[{i}].vector");
            }

            VectorMath.EnsureValid(point.Vector, space.Dimension, what, $"points[{i}].vector");
            EnsurePayload(space, point.Payload, what, $"points[{i}].payload");
        }
    }

    public static void EnsureQuery(VectorSpace space, VectorQuery query, int maxLimit)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(query);
        EnsureTenant(query.TenantId);
        EnsureLimit(query.Limit, maxLimit);
        if (query.Vector is null)
        {
            throw new ArgumentException("The query vector is required.", "vector");
        }

        VectorMath.EnsureValid(query.Vector, space.Dimension, "The query vector", "vector");
        EnsureFilter(space, query.Filter);
    }

    public static void EnsureRecommend(VectorSpace space, RecommendQuery query, int maxLimit)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(query);
        EnsureTenant(query.TenantId);
        EnsureLimit(query.Limit, maxLimit);
        if (query.Positive is not { Count: > 0 })
        {
            throw new ArgumentException("Recommend needs at least one positive example.", "positive");
        }

        foreach (var (ids, name) in new[] { (query.Positive, "positive"), (query.Negative ?? [], "negative") })
        {
            for (var i = 0; i < ids.Count; i++)
            {
                if (string.IsNullOrEmpty(ids[i]))
                {
                    throw new ArgumentException($"Example {name}[{i}] is empty.", $"{name}[{i}]");
                }
            }
        }

        EnsureFilter(space, query.Filter);
    }

    public static void EnsureLimit(int limit, int maxLimit)
    {
        if (limit < 1 || limit > maxLimit)
        {
            throw new ArgumentOutOfRangeException("limit", limit, $"limit (top-k) {limit} is outside [1, {maxLimit}].");
        }
    }

    /// <summary>Every condition must name a declared field and suit its type; bounds must be finite, radii positive.</summary>
    public static void EnsureFilter(VectorSpace space, FilterCondition? condition, string path = "filter")
    {
        switch (condition)
        {
            case null:
                return;
            case VectorFilter filter:
                for (var i = 0; i < filter.Must.Count; i++)
                {
                    EnsureFilter(space, filter.Must[i] ?? throw Bad($"{path}.must[{i}]", "is null"), $"{path}.must[{i}]");
                }

                for (var i = 0; i < filter.Should.Count; i++)
                {
                    EnsureFilter(space, filter.Should[i] ?? throw Bad($"{path}.should[{i}]", "is null"), $"{path}.should[{i}]");
                }

                for (var i = 0; i < filter.MustNot.Count; i++)
                {
                    EnsureFilter(space, filter.MustNot[i] ?? throw Bad($"{path}.must_not[{i}]", "is null"), $"{path}.must_not[{i}]");
                }

                return;
            case MatchCondition match:
                {
                    var field = Declared(space, match.Field, path);
                    if (field.Type is not (PayloadFieldType.Keyword or PayloadFieldType.Integer or PayloadFieldType.Bool) || match.Value.Type != field.Type)
                    {
                        throw Bad($"{path}.{match.Field}", $"a match on {field.Type} field '{match.Field}' needs a {field.Type} value, not {match.Value.Type} {match.Value}");
                    }

                    return;
                }

            case MatchAnyCondition any:
                {
                    var field = Declared(space, any.Field, path);
                    if (field.Type is not (PayloadFieldType.Keyword or PayloadFieldType.Integer))
                    {
                        throw Bad($"{path}.{any.Field}", $"match-any needs a keyword or integer field; '{any.Field}' is {field.Type}");
                    }

                    if (any.Values is null || any.Values.Any(v => v.Type != field.Type))
                    {
                        throw Bad($"{path}.{any.Field}", $"match-any on '{any.Field}' needs {field.Type} values");
                    }

                    return;
                }

            case RangeCondition range:
                {
                    var field = Declared(space, range.Field, path);
                    if (field.Type is not (PayloadFieldType.Integer or PayloadFieldType.Float))
                    {
                        throw Bad($"{path}.{range.Field}", $"a range needs an integer or float field; '{range.Field}' is {field.Type}");
                    }

                    double?[] bounds = [range.Gte, range.Lte, range.Gt, range.Lt];
                    if (bounds.All(b => b is null))
                    {
                        throw Bad($"{path}.{range.Field}", "a range needs at least one bound");
                    }

                    if (bounds.Any(b => b is { } v && !double.IsFinite(v)))
                    {
                        throw Bad($"{path}.{range.Field}", "range bounds must be finite numbers");
                    }

                    return;
                }

            case GeoRadiusCondition radius:
                {
                    var field = Declared(space, radius.Field, path);
                    if (field.Type != PayloadFieldType.Geo)
                    {
                        throw Bad($"{path}.{radius.Field}", $"a radius needs a geo field; '{radius.Field}' is {field.Type}");
                    }

                    if (!double.IsFinite(radius.RadiusMeters) || radius.RadiusMeters <= 0)
                    {
                        throw Bad($"{path}.{radius.Field}", $"the radius is {radius.RadiusMeters} m; it must be a positive finite number");
                    }

                    if (!IsOnEarth(radius.Center))
                    {
                        throw Bad($"{path}.{radius.Field}", $"the centre {radius.Center} is not a position on earth");
                    }

                    return;
                }

            case HasIdCondition hasId:
                if (hasId.Ids is null || hasId.Ids.Any(string.IsNullOrEmpty))
                {
                    throw Bad($"{path}.has_id", "ids must be non-empty strings");
                }

                return;
            default:
                throw Bad(path, $"condition type {condition.GetType().Name} is not supported");
        }
    }

    public static bool IsOnEarth(GeoPoint point) =>
        double.IsFinite(point.Latitude) && double.IsFinite(point.Longitude) && Math.Abs(point.Latitude) <= 90 && Math.Abs(point.Longitude) <= 180;

    private static void EnsurePayload(VectorSpace space, IReadOnlyDictionary<string, PayloadValue>? payload, string what, string path)
    {
        if (payload is null)
        {
            throw new ArgumentException($"{what}: the payload is required.", path);
        }

        foreach (var (name, value) in payload)
        {
            var field = space.FieldNamed(name)
                ?? throw new ArgumentException($"{what}: payload field '{name}' is not declared by space '{space.Name}'.", $"{path}.{name}");
            if (value.Type != field.Type)
            {
                throw new ArgumentException($"{what}: payload field '{name}' is {field.Type}; got {value.Type}.", $"{path}.{name}");
            }

            var valid = value.Type switch
            {
                PayloadFieldType.Keyword => value.KeywordValue is not null,
                PayloadFieldType.Float => double.IsFinite(value.FloatValue),
                PayloadFieldType.Geo => IsOnEarth(value.GeoValue),
                _ => true,
            };
            if (!valid)
            {
                throw new ArgumentException($"{what}: payload field '{name}' has the invalid value {value}.", $"{path}.{name}");
            }
        }

        foreach (var field in space.Fields)
        {
            if (!payload.ContainsKey(field.Name))
            {
                throw new ArgumentException($"{what}: payload field '{field.Name}' is missing; every point carries every declared field.", $"{path}.{field.Name}");
            }
        }
    }

    private static PayloadField Declared(VectorSpace space, string name, string path) =>
        space.FieldNamed(name ?? string.Empty)
        ?? throw Bad($"{path}.{name}", $"payload field '{name}' is not declared by space '{space.Name}' (declared: {string.Join(", ", space.Fields.Select(f => f.Name))})");

    private static ArgumentException Bad(string field, string problem) => new($"Filter field {field}: {problem}.", field);
}
