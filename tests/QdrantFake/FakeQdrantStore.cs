using Google.Protobuf.Collections;
using Grpc.Core;
using Qdrant.Client.Grpc;

namespace Platform.Testing.Qdrant;

/// <summary>
/// The fake's data and semantics, written from Qdrant's documentation: collections of cosine vectors (stored normalised, as
/// Qdrant does for cosine), payload indexes, aliases changed atomically in one request, point ids as numbers or UUIDs,
/// filters (match value / any / except, range, geo radius, has id, is empty / null, nested must / should / must_not /
/// min_should) evaluated before the top-k cut, exact scoring, the Query API's nearest and recommend (average_vector and
/// best_score) and Qdrant's error statuses (NotFound for a missing collection or example, InvalidArgument for bad input).
/// Anything the fake does not implement answers Unimplemented rather than guessing.
/// </summary>
public sealed class FakeQdrantStore
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);
    private readonly Dictionary<string, FakeCollection> _collections = new(StringComparer.Ordinal);
    private Dictionary<string, string> _aliases = new(StringComparer.Ordinal);

    /// <summary>Alias → collection, as it is now.</summary>
    public IReadOnlyDictionary<string, string> Aliases => Read(() => new Dictionary<string, string>(_aliases));

    public IReadOnlyCollection<string> CollectionNames => Read(() => _collections.Keys.ToList());

    public FakeCollection? Collection(string name) => Read(() => _collections.GetValueOrDefault(name));

    internal HealthCheckReply Health(HealthCheckRequest request) => new() { Title = "qdrant - vector search engine (in-process fake)", Version = "1.15.0-fake" };

    internal CollectionExistsResponse CollectionExists(CollectionExistsRequest request) =>
        new() { Result = new CollectionExists { Exists = Read(() => _collections.ContainsKey(request.CollectionName)) } };

    internal CollectionOperationResponse CreateCollection(CreateCollection request) => Write(() =>
    {
        if (string.IsNullOrEmpty(request.CollectionName))
        {
            throw Invalid("Wrong input: collection name is empty");
        }

        if (_collections.ContainsKey(request.CollectionName) || _aliases.ContainsKey(request.CollectionName))
        {
            throw Invalid($"Wrong input: Collection `{request.CollectionName}` already exists!");
        }

        var parameters = request.VectorsConfig?.Params
            ?? throw new RpcException(new Status(StatusCode.Unimplemented, "the fake supports one unnamed vector per collection"));
        if (parameters.Size == 0)
        {
            throw Invalid("Wrong input: vector size must be positive");
        }

        if (parameters.Distance != Distance.Cosine)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "the fake supports cosine distance only"));
        }

        _collections[request.CollectionName] = new FakeCollection(request.CollectionName, (int)parameters.Size, request.HnswConfig);
        return new CollectionOperationResponse { Result = true };
    });

    internal GetCollectionInfoResponse GetCollection(GetCollectionInfoRequest request) => Read(() =>
    {
        var collection = Resolve(request.CollectionName);
        var info = new CollectionInfo
        {
            Status = CollectionStatus.Green,
            OptimizerStatus = new OptimizerStatus { Ok = true },
            PointsCount = (ulong)collection.Points.Count,
            SegmentsCount = 1,
            Config = new CollectionConfig
            {
                Params = new CollectionParams
                {
                    ShardNumber = 1,
                    VectorsConfig = new VectorsConfig { Params = new VectorParams { Size = (ulong)collection.Dimension, Distance = Distance.Cosine } },
                },
                HnswConfig = collection.Hnsw ?? new HnswConfigDiff(),
                OptimizerConfig = new OptimizersConfigDiff(),
                WalConfig = new WalConfigDiff(),
            },
        };
        foreach (var (field, index) in collection.Indexes)
        {
            info.PayloadSchema[field] = new PayloadSchemaInfo { DataType = index.Type, Params = index.Params };
        }

        return new GetCollectionInfoResponse { Result = info };
    });

    internal CollectionOperationResponse DeleteCollection(DeleteCollection request) => Write(() =>
    {
        var existed = _collections.Remove(request.CollectionName);
        // Deleting a collection deletes its aliases.
        _aliases = _aliases.Where(a => a.Value != request.CollectionName).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        return new CollectionOperationResponse { Result = existed };
    });

    /// <summary>All actions of one request apply together or not at all, so readers never see an alias missing in between.</summary>
    internal CollectionOperationResponse UpdateAliases(ChangeAliases request) => Write(() =>
    {
        var next = new Dictionary<string, string>(_aliases, StringComparer.Ordinal);
        foreach (var action in request.Actions)
        {
            switch (action.ActionCase)
            {
                case AliasOperations.ActionOneofCase.CreateAlias:
                    var create = action.CreateAlias;
                    if (!_collections.ContainsKey(create.CollectionName))
                    {
                        throw NotFound($"Not found: Collection `{create.CollectionName}` doesn't exist!");
                    }

                    if (next.ContainsKey(create.AliasName) || _collections.ContainsKey(create.AliasName))
                    {
                        throw new RpcException(new Status(StatusCode.AlreadyExists, $"Alias `{create.AliasName}` already exists!"));
                    }

                    next[create.AliasName] = create.CollectionName;
                    break;
                case AliasOperations.ActionOneofCase.DeleteAlias:
                    if (!next.Remove(action.DeleteAlias.AliasName))
                    {
                        throw NotFound($"Not found: Alias `{action.DeleteAlias.AliasName}` doesn't exist!");
                    }

                    break;
                case AliasOperations.ActionOneofCase.RenameAlias:
                    var rename = action.RenameAlias;
                    if (!next.Remove(rename.OldAliasName, out var target))
                    {
                        throw NotFound($"Not found: Alias `{rename.OldAliasName}` doesn't exist!");
                    }

                    next[rename.NewAliasName] = target;
                    break;
                default:
                    throw Invalid("Wrong input: empty alias action");
            }
        }

        _aliases = next;
        return new CollectionOperationResponse { Result = true };
    });

    internal ListAliasesResponse ListAliases(ListAliasesRequest request) => Read(() =>
    {
        var response = new ListAliasesResponse();
        response.Aliases.AddRange(_aliases.Select(a => new AliasDescription { AliasName = a.Key, CollectionName = a.Value }));
        return response;
    });

    internal ListAliasesResponse ListCollectionAliases(ListCollectionAliasesRequest request) => Read(() =>
    {
        var response = new ListAliasesResponse();
        response.Aliases.AddRange(_aliases.Where(a => a.Value == request.CollectionName)
            .Select(a => new AliasDescription { AliasName = a.Key, CollectionName = a.Value }));
        return response;
    });

    internal PointsOperationResponse CreateFieldIndex(CreateFieldIndexCollection request) => Write(() =>
    {
        var collection = Resolve(request.CollectionName);
        if (!request.HasFieldType)
        {
            throw Invalid("Wrong input: field type is required");
        }

        // Creating an index that exists is a no-op, as in Qdrant. The point count at creation is kept for tests.
        if (!collection.Indexes.ContainsKey(request.FieldName))
        {
            collection.Indexes[request.FieldName] = new FakeIndex(ToSchemaType(request.FieldType), request.FieldIndexParams, collection.Points.Count);
        }

        return Completed();
    });

    internal PointsOperationResponse Upsert(UpsertPoints request) => Write(() =>
    {
        var collection = Resolve(request.CollectionName);
        var staged = new List<FakePoint>(request.Points.Count);
        foreach (var point in request.Points)
        {
            var vector = DenseOf(point.Vectors?.Vector) ?? throw Invalid("Wrong input: a point has no vector");
            if (vector.Length != collection.Dimension)
            {
                throw Invalid($"Wrong input: Vector dimension error: expected dim: {collection.Dimension}, got {vector.Length}");
            }

            if (vector.Any(v => !float.IsFinite(v)))
            {
                throw Invalid("Wrong input: vector components must be finite");
            }

            staged.Add(new FakePoint(KeyOf(point.Id), point.Id.Clone(), Normalized(vector), new Dictionary<string, Value>(point.Payload)));
        }

        // Validated first: a bad point rejects the whole request.
        foreach (var point in staged)
        {
            collection.Points[point.Key] = point;
        }

        return Completed();
    });

    internal PointsOperationResponse Delete(DeletePoints request) => Write(() =>
    {
        var collection = Resolve(request.CollectionName);
        switch (request.Points?.PointsSelectorOneOfCase)
        {
            case PointsSelector.PointsSelectorOneOfOneofCase.Points:
                foreach (var id in request.Points.Points.Ids)
                {
                    collection.Points.Remove(KeyOf(id));
                }

                break;
            case PointsSelector.PointsSelectorOneOfOneofCase.Filter:
                foreach (var key in collection.Points.Values.Where(p => Matches(p, request.Points.Filter)).Select(p => p.Key).ToList())
                {
                    collection.Points.Remove(key);
                }

                break;
            default:
                throw Invalid("Wrong input: a points selector is required");
        }

        return Completed();
    });

    internal GetResponse Get(GetPoints request) => Read(() =>
    {
        var collection = Resolve(request.CollectionName);
        var response = new GetResponse();
        foreach (var id in request.Ids)
        {
            if (collection.Points.TryGetValue(KeyOf(id), out var point))
            {
                var retrieved = new RetrievedPoint { Id = point.Id.Clone() };
                if (WantsPayload(request.WithPayload))
                {
                    retrieved.Payload.Add(point.Payload);
                }

                if (request.WithVectors?.Enable == true)
                {
                    retrieved.Vectors = VectorsOf(point);
                }

                response.Result.Add(retrieved);
            }
        }

        return response;
    });

    internal CountResponse Count(CountPoints request) => Read(() =>
    {
        var collection = Resolve(request.CollectionName);
        var count = collection.Points.Values.Count(p => request.Filter is null || Matches(p, request.Filter));
        return new CountResponse { Result = new CountResult { Count = (ulong)count } };
    });

    internal QueryResponse Query(QueryPoints request) => Read(() =>
    {
        var collection = Resolve(request.CollectionName);
        if (request.Prefetch.Count > 0 || !string.IsNullOrEmpty(request.Using))
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "the fake supports neither prefetch nor named vectors"));
        }

        Func<FakePoint, double> score = request.Query?.VariantCase switch
        {
            global::Qdrant.Client.Grpc.Query.VariantOneofCase.Nearest => Nearest(collection, request.Query.Nearest),
            global::Qdrant.Client.Grpc.Query.VariantOneofCase.Recommend => Recommend(collection, request.Query.Recommend),
            _ => throw new RpcException(new Status(StatusCode.Unimplemented, $"the fake does not implement query {request.Query?.VariantCase}")),
        };

        var limit = request.HasLimit ? (int)request.Limit : 10;
        var offset = request.HasOffset ? (int)request.Offset : 0;
        var hits = collection.Points.Values
            .Where(p => request.Filter is null || Matches(p, request.Filter))
            .Select(p => (Point: p, Score: (float)score(p)))
            .Where(h => !request.HasScoreThreshold || h.Score >= request.ScoreThreshold)
            .OrderByDescending(h => h.Score).ThenBy(h => h.Point.Key, StringComparer.Ordinal)
            .Skip(offset).Take(limit);
        var response = new QueryResponse();
        foreach (var (point, value) in hits)
        {
            var scored = new ScoredPoint { Id = point.Id.Clone(), Score = value, Version = 1 };
            if (WantsPayload(request.WithPayload))
            {
                scored.Payload.Add(point.Payload);
            }

            if (request.WithVectors?.Enable == true)
            {
                scored.Vectors = VectorsOf(point);
            }

            response.Result.Add(scored);
        }

        return response;
    });

    private static Func<FakePoint, double> Nearest(FakeCollection collection, VectorInput input)
    {
        var query = VectorOf(collection, input);
        return p => Dot(query, p.Vector);
    }

    /// <summary>
    /// average_vector: search with avg(positive) + avg(positive) − avg(negative) (avg(positive) alone without negatives).
    /// best_score: a candidate's best similarity to a positive if it beats its best to a negative, else −(best negative)².
    /// </summary>
    private static Func<FakePoint, double> Recommend(FakeCollection collection, RecommendInput input)
    {
        if (input.Positive.Count == 0)
        {
            throw Invalid("Wrong input: at least one positive example is required");
        }

        var positives = input.Positive.Select(v => VectorOf(collection, v)).ToList();
        var negatives = input.Negative.Select(v => VectorOf(collection, v)).ToList();
        if (input.HasStrategy && input.Strategy == RecommendStrategy.BestScore)
        {
            return p =>
            {
                var bestPositive = positives.Max(v => Dot(v, p.Vector));
                var bestNegative = negatives.Count == 0 ? double.NegativeInfinity : negatives.Max(v => Dot(v, p.Vector));
                return bestPositive > bestNegative ? bestPositive : -(bestNegative * bestNegative);
            };
        }

        if (input.HasStrategy && input.Strategy != RecommendStrategy.AverageVector)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, $"the fake does not implement strategy {input.Strategy}"));
        }

        var dimension = collection.Dimension;
        var query = new double[dimension];
        for (var d = 0; d < dimension; d++)
        {
            var averagePositive = positives.Average(v => (double)v[d]);
            query[d] = negatives.Count == 0 ? averagePositive : 2 * averagePositive - negatives.Average(v => (double)v[d]);
        }

        var unit = Normalized([.. query.Select(q => (float)q)]);
        return p => Dot(unit, p.Vector);
    }

    /// <summary>An example's vector: a point id (looked up; NotFound when absent) or a raw vector (normalised for cosine).</summary>
    private static float[] VectorOf(FakeCollection collection, VectorInput input)
    {
        switch (input.VariantCase)
        {
            case VectorInput.VariantOneofCase.Id:
                return collection.Points.TryGetValue(KeyOf(input.Id), out var point)
                    ? point.Vector
                    : throw NotFound($"No point with id {(input.Id.HasUuid ? input.Id.Uuid : input.Id.Num.ToString(System.Globalization.CultureInfo.InvariantCulture))} found");
            case VectorInput.VariantOneofCase.Dense:
                var dense = input.Dense.Data.ToArray();
                if (dense.Length != collection.Dimension)
                {
                    throw Invalid($"Wrong input: Vector dimension error: expected dim: {collection.Dimension}, got {dense.Length}");
                }

                return Normalized(dense);
            default:
                throw new RpcException(new Status(StatusCode.Unimplemented, $"the fake does not implement vector input {input.VariantCase}"));
        }
    }

    private static bool Matches(FakePoint point, Filter filter)
    {
        if (filter.Must.Any(c => !Matches(point, c)) || filter.MustNot.Any(c => Matches(point, c)))
        {
            return false;
        }

        if (filter.Should.Count > 0 && !filter.Should.Any(c => Matches(point, c)))
        {
            return false;
        }

        return filter.MinShould is null || filter.MinShould.Conditions.Count(c => Matches(point, c)) >= (int)filter.MinShould.MinCount;
    }

    private static bool Matches(FakePoint point, Condition condition) => condition.ConditionOneOfCase switch
    {
        Condition.ConditionOneOfOneofCase.Field => Matches(point.Payload, condition.Field),
        Condition.ConditionOneOfOneofCase.HasId => condition.HasId.HasId.Any(id => KeyOf(id) == point.Key),
        Condition.ConditionOneOfOneofCase.Filter => Matches(point, condition.Filter),
        Condition.ConditionOneOfOneofCase.IsEmpty => !point.Payload.TryGetValue(condition.IsEmpty.Key, out var v)
            || v.KindCase == Value.KindOneofCase.NullValue || (v.KindCase == Value.KindOneofCase.ListValue && v.ListValue.Values.Count == 0),
        Condition.ConditionOneOfOneofCase.IsNull => point.Payload.TryGetValue(condition.IsNull.Key, out var n) && n.KindCase == Value.KindOneofCase.NullValue,
        _ => throw new RpcException(new Status(StatusCode.Unimplemented, $"the fake does not implement condition {condition.ConditionOneOfCase}")),
    };

    /// <summary>A field condition holds when any of the field's values (one, or each element of an array) satisfies it.</summary>
    private static bool Matches(IReadOnlyDictionary<string, Value> payload, FieldCondition condition)
    {
        if (!payload.TryGetValue(condition.Key, out var stored))
        {
            return false;
        }

        IEnumerable<Value> values = stored.KindCase == Value.KindOneofCase.ListValue ? stored.ListValue.Values : [stored];
        if (condition.Match is { } match)
        {
            return match.MatchValueCase switch
            {
                Match.MatchValueOneofCase.Keyword => values.Any(v => v.KindCase == Value.KindOneofCase.StringValue && v.StringValue == match.Keyword),
                Match.MatchValueOneofCase.Integer => values.Any(v => v.KindCase == Value.KindOneofCase.IntegerValue && v.IntegerValue == match.Integer),
                Match.MatchValueOneofCase.Boolean => values.Any(v => v.KindCase == Value.KindOneofCase.BoolValue && v.BoolValue == match.Boolean),
                Match.MatchValueOneofCase.Keywords => values.Any(v => v.KindCase == Value.KindOneofCase.StringValue && match.Keywords.Strings.Contains(v.StringValue)),
                Match.MatchValueOneofCase.Integers => values.Any(v => v.KindCase == Value.KindOneofCase.IntegerValue && match.Integers.Integers.Contains(v.IntegerValue)),
                Match.MatchValueOneofCase.ExceptKeywords => !values.Any(v => v.KindCase == Value.KindOneofCase.StringValue && match.ExceptKeywords.Strings.Contains(v.StringValue)),
                Match.MatchValueOneofCase.ExceptIntegers => !values.Any(v => v.KindCase == Value.KindOneofCase.IntegerValue && match.ExceptIntegers.Integers.Contains(v.IntegerValue)),
                _ => throw new RpcException(new Status(StatusCode.Unimplemented, $"the fake does not implement match {match.MatchValueCase}")),
            };
        }

        if (condition.Range is { } range)
        {
            return values.Any(v => v.KindCase is Value.KindOneofCase.IntegerValue or Value.KindOneofCase.DoubleValue
                && InRange(v.KindCase == Value.KindOneofCase.IntegerValue ? v.IntegerValue : v.DoubleValue, range));
        }

        if (condition.GeoRadius is { } radius)
        {
            return values.Any(v => v.KindCase == Value.KindOneofCase.StructValue
                && v.StructValue.Fields.TryGetValue("lat", out var lat) && v.StructValue.Fields.TryGetValue("lon", out var lon)
                && HaversineMeters(radius.Center.Lat, radius.Center.Lon, lat.DoubleValue, lon.DoubleValue) <= radius.Radius);
        }

        throw new RpcException(new Status(StatusCode.Unimplemented, $"the fake does not implement this field condition on '{condition.Key}'"));
    }

    private static bool InRange(double value, global::Qdrant.Client.Grpc.Range range) =>
        (!range.HasGt || value > range.Gt) && (!range.HasGte || value >= range.Gte) && (!range.HasLt || value < range.Lt) && (!range.HasLte || value <= range.Lte);

    private static double HaversineMeters(double lat1, double lon1, double lat2, double lon2)
    {
        static double Radians(double degrees) => degrees * Math.PI / 180;
        var h = Math.Pow(Math.Sin(Radians(lat2 - lat1) / 2), 2) + Math.Cos(Radians(lat1)) * Math.Cos(Radians(lat2)) * Math.Pow(Math.Sin(Radians(lon2 - lon1) / 2), 2);
        return 2 * 6_371_000 * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    private static bool WantsPayload(WithPayloadSelector? selector) => selector is null || selector.Enable || selector.Include is not null;

    private static VectorsOutput VectorsOf(FakePoint point)
    {
        var output = new VectorOutput { Dense = new DenseVector() };
        output.Dense.Data.AddRange(point.Vector);
        return new VectorsOutput { Vector = output };
    }

    private static float[]? DenseOf(Vector? vector)
    {
        if (vector is null)
        {
            return null;
        }

        if (vector.VectorCase == Vector.VectorOneofCase.Dense)
        {
            return [.. vector.Dense.Data];
        }
#pragma warning disable CS0612 // The client may send the deprecated flat field.
        return vector.Data.Count > 0 ? [.. vector.Data] : null;
#pragma warning restore CS0612
    }

    private static double Dot(float[] a, float[] b)
    {
        double dot = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
        }

        return dot;
    }

    private static float[] Normalized(float[] vector)
    {
        var norm = Math.Sqrt(vector.Sum(v => (double)v * v));
        return norm == 0 ? vector : [.. vector.Select(v => (float)(v / norm))];
    }

    private static string KeyOf(PointId id) => id.PointIdOptionsCase switch
    {
        PointId.PointIdOptionsOneofCase.Num => "n:" + id.Num.ToString(System.Globalization.CultureInfo.InvariantCulture),
        PointId.PointIdOptionsOneofCase.Uuid => Guid.TryParse(id.Uuid, out var uuid) ? "u:" + uuid.ToString("D") : throw Invalid($"Wrong input: '{id.Uuid}' is not a UUID"),
        _ => throw Invalid("Wrong input: a point id is required"),
    };

    private static PayloadSchemaType ToSchemaType(FieldType type) => type switch
    {
        FieldType.Keyword => PayloadSchemaType.Keyword,
        FieldType.Integer => PayloadSchemaType.Integer,
        FieldType.Float => PayloadSchemaType.Float,
        FieldType.Geo => PayloadSchemaType.Geo,
        FieldType.Bool => PayloadSchemaType.Bool,
        FieldType.Text => PayloadSchemaType.Text,
        _ => throw new RpcException(new Status(StatusCode.Unimplemented, $"the fake does not implement {type} indexes")),
    };

    private static PointsOperationResponse Completed() => new() { Result = new UpdateResult { Status = UpdateStatus.Completed } };

    private FakeCollection Resolve(string name) =>
        _collections.GetValueOrDefault(_aliases.GetValueOrDefault(name, name))
        ?? throw NotFound($"Not found: Collection `{name}` doesn't exist!");

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static RpcException NotFound(string message) => new(new Status(StatusCode.NotFound, message));

    private T Read<T>(Func<T> read)
    {
        _lock.EnterReadLock();
        try
        {
            return read();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private T Write<T>(Func<T> write)
    {
        _lock.EnterWriteLock();
        try
        {
            return write();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }
}

/// <summary>One collection: its vectors' dimension, HNSW settings as sent, payload indexes and points.</summary>
public sealed class FakeCollection(string name, int dimension, HnswConfigDiff? hnsw)
{
    public string Name { get; } = name;

    public int Dimension { get; } = dimension;

    public HnswConfigDiff? Hnsw { get; } = hnsw;

    public Dictionary<string, FakeIndex> Indexes { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, FakePoint> Points { get; } = new(StringComparer.Ordinal);

    public int PointCount => Points.Count;
}

/// <summary>A payload index: its type, parameters (e.g. <c>is_tenant</c>) and how many points the collection held when it was made.</summary>
public sealed record FakeIndex(PayloadSchemaType Type, PayloadIndexParams? Params, int PointsAtCreation);

internal sealed record FakePoint(string Key, PointId Id, float[] Vector, Dictionary<string, Value> Payload);
