using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;
using GrpcFilter = Qdrant.Client.Grpc.Filter;
using GrpcValue = Qdrant.Client.Grpc.Value;

namespace Platform.BuildingBlocks.VectorSearch.Qdrant;

/// <summary>
/// Translation between the port's types and Qdrant's messages: payload values, filters (each condition becomes the Qdrant
/// condition of the same name, so filtering happens inside Qdrant), the tenant condition every call carries, and ids.
/// </summary>
internal static class QdrantMapping
{
    public static Dictionary<string, GrpcValue> Payload(string tenantId, VectorPoint point)
    {
        var payload = new Dictionary<string, GrpcValue>(point.Payload.Count + 2, StringComparer.Ordinal)
        {
            [VectorSpace.TenantField] = tenantId,
            [VectorSpace.IdField] = point.Id,
        };
        foreach (var (name, value) in point.Payload)
        {
            payload[name] = ToValue(value);
        }

        return payload;
    }

    public static GrpcValue ToValue(PayloadValue value) => value.Type switch
    {
        PayloadFieldType.Keyword => value.KeywordValue!,
        PayloadFieldType.Integer => value.IntegerValue,
        PayloadFieldType.Float => value.FloatValue,
        PayloadFieldType.Bool => value.BoolValue,
        // Qdrant's geo payload: an object with lat and lon.
        _ => new Dictionary<string, GrpcValue> { ["lat"] = value.GeoValue.Latitude, ["lon"] = value.GeoValue.Longitude },
    };

    /// <summary>The declared fields of a stored payload; anything else (tenant, id, undeclared keys) is left out.</summary>
    public static IReadOnlyDictionary<string, PayloadValue> FromPayload(VectorSpace space, IDictionary<string, GrpcValue> payload)
    {
        var result = new Dictionary<string, PayloadValue>(space.Fields.Count, StringComparer.Ordinal);
        foreach (var field in space.Fields)
        {
            if (!payload.TryGetValue(field.Name, out var value))
            {
                throw new InvalidOperationException($"A point in Qdrant lacks payload field '{field.Name}' of space '{space.Name}'.");
            }

            result[field.Name] = field.Type switch
            {
                PayloadFieldType.Keyword => PayloadValue.Keyword(value.StringValue),
                PayloadFieldType.Integer => PayloadValue.Integer(value.KindCase == GrpcValue.KindOneofCase.DoubleValue ? (long)value.DoubleValue : value.IntegerValue),
                PayloadFieldType.Float => PayloadValue.Float(value.KindCase == GrpcValue.KindOneofCase.IntegerValue ? value.IntegerValue : value.DoubleValue),
                PayloadFieldType.Bool => PayloadValue.Bool(value.BoolValue),
                _ => PayloadValue.Geo(value.StructValue.Fields["lat"].DoubleValue, value.StructValue.Fields["lon"].DoubleValue),
            };
        }

        return result;
    }

    public static string IdOf(IDictionary<string, GrpcValue> payload) =>
        payload.TryGetValue(VectorSpace.IdField, out var id) ? id.StringValue : throw new InvalidOperationException("A point in Qdrant has no point_id payload.");

    public static PointId PointIdFor(string tenantId, string id) => QdrantPointIds.For(tenantId, id);

    public static Condition Tenant(string tenantId) => MatchKeyword(VectorSpace.TenantField, tenantId);

    /// <summary>The tenant's condition and the caller's filter, plus ids to leave out (recommend examples).</summary>
    public static GrpcFilter Scoped(string tenantId, VectorFilter? filter, IEnumerable<string>? excludedIds = null)
    {
        var scoped = new GrpcFilter();
        scoped.Must.Add(Tenant(tenantId));
        if (filter is not null && !filter.IsEmpty)
        {
            scoped.Must.Add(Filter(ToFilter(tenantId, filter)));
        }

        var excluded = excludedIds?.Select(id => QdrantPointIds.For(tenantId, id)).ToList();
        if (excluded is { Count: > 0 })
        {
            scoped.MustNot.Add(HasId(excluded));
        }

        return scoped;
    }

    private static GrpcFilter ToFilter(string tenantId, VectorFilter filter)
    {
        var result = new GrpcFilter();
        result.Must.AddRange(filter.Must.Select(c => ToCondition(tenantId, c)));
        result.Should.AddRange(filter.Should.Select(c => ToCondition(tenantId, c)));
        result.MustNot.AddRange(filter.MustNot.Select(c => ToCondition(tenantId, c)));
        return result;
    }

    private static Condition ToCondition(string tenantId, FilterCondition condition) => condition switch
    {
        VectorFilter nested => Filter(ToFilter(tenantId, nested)),
        MatchCondition { Value.Type: PayloadFieldType.Keyword } match => MatchKeyword(match.Field, match.Value.KeywordValue!),
        MatchCondition { Value.Type: PayloadFieldType.Integer } match => Match(match.Field, match.Value.IntegerValue),
        MatchCondition match => Match(match.Field, match.Value.BoolValue),
        MatchAnyCondition any when any.Values.Count == 0 => HasId(Array.Empty<Guid>()),
        MatchAnyCondition { Values: [{ Type: PayloadFieldType.Integer }, ..] } any => Match(any.Field, [.. any.Values.Select(v => v.IntegerValue)]),
        MatchAnyCondition any => Match(any.Field, [.. any.Values.Select(v => v.KeywordValue!)]),
        RangeCondition range => Range(range.Field, ToRange(range)),
        GeoRadiusCondition radius => GeoRadius(radius.Field, radius.Center.Latitude, radius.Center.Longitude, (float)radius.RadiusMeters),
        // Ids are tenant-scoped in Qdrant: the same id of another tenant maps to another point.
        HasIdCondition hasId => HasId([.. hasId.Ids.Select(id => QdrantPointIds.For(tenantId, id))]),
        _ => throw new ArgumentException($"Condition {condition.GetType().Name} has no Qdrant equivalent.", "filter"),
    };

    private static global::Qdrant.Client.Grpc.Range ToRange(RangeCondition range)
    {
        var result = new global::Qdrant.Client.Grpc.Range();
        if (range.Gte is { } gte)
        {
            result.Gte = gte;
        }

        if (range.Lte is { } lte)
        {
            result.Lte = lte;
        }

        if (range.Gt is { } gt)
        {
            result.Gt = gt;
        }

        if (range.Lt is { } lt)
        {
            result.Lt = lt;
        }

        return result;
    }

    public static PayloadSchemaType SchemaOf(PayloadFieldType type) => type switch
    {
        PayloadFieldType.Keyword => PayloadSchemaType.Keyword,
        PayloadFieldType.Integer => PayloadSchemaType.Integer,
        PayloadFieldType.Float => PayloadSchemaType.Float,
        PayloadFieldType.Geo => PayloadSchemaType.Geo,
        _ => PayloadSchemaType.Bool,
    };

    public static float[] VectorOf(VectorsOutput vectors)
    {
        var output = vectors.Vector;
        return output.VectorCase == VectorOutput.VectorOneofCase.Dense ? [.. output.Dense.Data] :
#pragma warning disable CS0612 // Older servers fill the deprecated flat field.
            [.. output.Data];
#pragma warning restore CS0612
    }
}
