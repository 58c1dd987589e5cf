using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using GrpcStrategy = Qdrant.Client.Grpc.RecommendStrategy;

namespace Platform.BuildingBlocks.VectorSearch.Qdrant;

/// <summary>
/// <see cref="IVectorIndex"/> on Qdrant through the official client (gRPC). Multitenancy as Qdrant recommends: one collection
/// per embedding space and version, every tenant's points in it, a keyword payload index on <c>tenant_id</c> with
/// <c>is_tenant</c>, the tenant condition on every read, write, count and delete, and point ids derived from (tenant, id)
/// (<see cref="QdrantPointIds"/>) so no call can reach another tenant's point. Readers address the space's alias; a build
/// fills a new collection <c>{space}-{version}</c> and one <c>UpdateAliases</c> request moves the alias to it atomically;
/// the previous collection is dropped after a grace period. Search and recommend go through the Query API with the filter
/// inside Qdrant.
/// </summary>
public sealed class QdrantVectorIndex : IVectorIndex
{
    /// <summary>The version a space starts with before any build is committed.</summary>
    public const string InitialVersion = "initial";

    private readonly QdrantClient _client;
    private readonly QdrantOptions _options;
    private readonly QdrantCalls _calls;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Task> _ensured = new(StringComparer.Ordinal);

    public QdrantVectorIndex(QdrantClient client, QdrantOptions options, ILogger<QdrantVectorIndex>? logger = null, TimeProvider? time = null)
    {
        _client = client;
        _options = options;
        _time = time ?? TimeProvider.System;
        _calls = new QdrantCalls(options, time);
        _logger = logger ?? NullLogger<QdrantVectorIndex>.Instance;
    }

    public async Task EnsureSpaceAsync(VectorSpace space, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(space);
        // Once per space shape and process; a failed attempt is forgotten so the next call tries again.
        var key = $"{space.Name}/{space.Dimension}/{string.Join(',', space.Fields.Select(f => $"{f.Name}:{f.Type}:{f.Indexed}"))}";
        var ensuring = _ensured.GetOrAdd(key, _ => EnsureCoreAsync(space, CancellationToken.None));
        try
        {
            await ensuring.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (ensuring.IsFaulted || ensuring.IsCanceled)
        {
            _ensured.TryRemove(new KeyValuePair<string, Task>(key, ensuring));
            throw;
        }
    }

    public async Task<string?> ServingVersionAsync(VectorSpace space, CancellationToken cancellationToken = default)
    {
        await EnsureSpaceAsync(space, cancellationToken).ConfigureAwait(false);
        var collection = await AliasTargetAsync(space.Name, cancellationToken).ConfigureAwait(false);
        // Collections this adapter builds are named {space}-{version}; an alias moved by hand names its collection as is.
        return collection is not null && collection.StartsWith(space.Name + "-", StringComparison.Ordinal) ? collection[(space.Name.Length + 1)..] : collection;
    }

    public async Task UpsertAsync(VectorSpace space, string tenantId, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsurePoints(space, tenantId, points);
        await EnsureSpaceAsync(space, cancellationToken).ConfigureAwait(false);
        await UpsertIntoAsync(Target(space), tenantId, points, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(VectorSpace space, string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsureTenant(tenantId);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return;
        }

        await EnsureSpaceAsync(space, cancellationToken).ConfigureAwait(false);
        var filter = QdrantMapping.Scoped(tenantId, VectorFilter.All(new HasIdCondition(ids)));
        await _calls.RunAsync($"delete from '{Target(space)}'", idempotent: true,
            token => _client.DeleteAsync(Target(space), filter, wait: true, cancellationToken: token), cancellationToken).ConfigureAwait(false);
    }

    public async Task<VectorPoint?> GetAsync(VectorSpace space, string tenantId, string id, CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsureTenant(tenantId);
        ArgumentNullException.ThrowIfNull(id);
        await EnsureSpaceAsync(space, cancellationToken).ConfigureAwait(false);
        var found = await _calls.RunAsync($"get from '{Target(space)}'", idempotent: true,
            token => _client.RetrieveAsync(Target(space), QdrantPointIds.For(tenantId, id), withPayload: true, withVectors: true, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        var point = found.FirstOrDefault(p => p.Payload.TryGetValue(VectorSpace.TenantField, out var tenant) && tenant.StringValue == tenantId);
        return point is null ? null : new VectorPoint(QdrantMapping.IdOf(point.Payload), QdrantMapping.VectorOf(point.Vectors), QdrantMapping.FromPayload(space, point.Payload));
    }

    public async Task<IReadOnlyList<VectorPoint>> GetManyAsync(VectorSpace space, string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsureTenant(tenantId);
        VectorIndexGuards.EnsureIds(ids);
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            return [];
        }

        await EnsureSpaceAsync(space, cancellationToken).ConfigureAwait(false);
        // One retrieve of the derived (tenant, id) point ids; the tenant check on the payload keeps any collision out.
        var found = await _calls.RunAsync($"get from '{Target(space)}'", idempotent: true,
            token => _client.RetrieveAsync(Target(space), [.. distinct.Select(id => QdrantMapping.PointIdFor(tenantId, id))], withPayload: true, withVectors: true,
                cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        var byId = found
            .Where(p => p.Payload.TryGetValue(VectorSpace.TenantField, out var tenant) && tenant.StringValue == tenantId)
            .ToDictionary(p => QdrantMapping.IdOf(p.Payload), StringComparer.Ordinal);
        return [.. distinct.Where(byId.ContainsKey).Select(id => byId[id]).Select(p =>
            new VectorPoint(QdrantMapping.IdOf(p.Payload), QdrantMapping.VectorOf(p.Vectors), QdrantMapping.FromPayload(space, p.Payload)))];
    }

    public async Task<long> CountAsync(VectorSpace space, string tenantId, CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsureTenant(tenantId);
        await EnsureSpaceAsync(space, cancellationToken).ConfigureAwait(false);
        var filter = QdrantMapping.Scoped(tenantId, null);
        return (long)await _calls.RunAsync($"count in '{Target(space)}'", idempotent: true,
            token => _client.CountAsync(Target(space), filter, exact: true, cancellationToken: token), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<VectorHit>> SearchAsync(VectorSpace space, VectorQuery query, CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsureQuery(space, query, _options.MaxLimit);
        await EnsureSpaceAsync(space, cancellationToken).ConfigureAwait(false);
        var filter = QdrantMapping.Scoped(query.TenantId, query.Filter);
        var unit = VectorMath.Normalized(query.Vector);
        var hits = await _calls.RunAsync($"search in '{Target(space)}'", idempotent: true,
            token => _client.QueryAsync(Target(space), query: unit, filter: filter, searchParams: SearchParams(), limit: (ulong)query.Limit,
                payloadSelector: true, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        return Hits(space, hits);
    }

    public async Task<IReadOnlyList<VectorHit>> RecommendAsync(VectorSpace space, RecommendQuery query, CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsureRecommend(space, query, _options.MaxLimit);
        await EnsureSpaceAsync(space, cancellationToken).ConfigureAwait(false);
        var negative = query.Negative ?? [];
        var input = new RecommendInput
        {
            Strategy = (query.Strategy ?? _options.DefaultStrategy) == RecommendStrategy.BestScore ? GrpcStrategy.BestScore : GrpcStrategy.AverageVector,
        };
        input.Positive.AddRange(query.Positive.Select(id => (VectorInput)QdrantMapping.PointIdFor(query.TenantId, id)));
        input.Negative.AddRange(negative.Select(id => (VectorInput)QdrantMapping.PointIdFor(query.TenantId, id)));
        // The examples are left out explicitly (and tenant-scoped like every id), whatever the server version does by default.
        var filter = QdrantMapping.Scoped(query.TenantId, query.Filter, [.. query.Positive, .. negative]);
        try
        {
            var hits = await _calls.RunAsync($"recommend in '{Target(space)}'", idempotent: true,
                token => _client.QueryAsync(Target(space), query: input, filter: filter, searchParams: SearchParams(), limit: (ulong)query.Limit,
                    payloadSelector: true, cancellationToken: token),
                cancellationToken).ConfigureAwait(false);
            return Hits(space, hits);
        }
        catch (Exception e) when (e is RpcException { StatusCode: StatusCode.InvalidArgument } or InvalidOperationException { InnerException: RpcException { StatusCode: StatusCode.NotFound } })
        {
            // Qdrant names the missing point by its derived id; say which of the caller's examples it was.
            var missing = await MissingExampleAsync(space, query.TenantId, [.. query.Positive, .. negative], cancellationToken).ConfigureAwait(false);
            if (missing is null)
            {
                throw new InvalidOperationException($"Qdrant rejected recommend in '{Target(space)}': {e.Message}", e);
            }

            throw new KeyNotFoundException($"No point with id '{missing}' in tenant '{query.TenantId}'.", e);
        }
    }

    public async Task<IVectorSpaceBuild> BeginBuildAsync(VectorSpace space, string version, CancellationToken cancellationToken = default)
    {
        await EnsureSpaceAsync(space, cancellationToken).ConfigureAwait(false);
        var collection = space.CollectionFor(version);
        if (await AliasTargetAsync(space.Name, cancellationToken).ConfigureAwait(false) == collection)
        {
            throw new InvalidOperationException($"Version '{version}' of space '{space.Name}' is already serving; a build needs a new version.");
        }

        // A collection of that name is the left-over of a build that never committed: start it afresh.
        if (await _calls.RunAsync($"check collection '{collection}'", idempotent: true, token => _client.CollectionExistsAsync(collection, token), cancellationToken).ConfigureAwait(false))
        {
            await _calls.RunAsync($"drop collection '{collection}'", idempotent: true, token => _client.DeleteCollectionAsync(collection, cancellationToken: token), cancellationToken).ConfigureAwait(false);
        }

        await CreateCollectionAsync(space, collection, cancellationToken).ConfigureAwait(false);
        return new Build(this, space, version, collection);
    }

    /// <summary>The alias, or the pinned version's collection (kept for the grace period after the alias moved on).</summary>
    private static string Target(VectorSpace space) => space.Version is null ? space.Name : space.CollectionFor(space.Version);

    private async Task EnsureCoreAsync(VectorSpace space, CancellationToken cancellationToken)
    {
        var serving = await AliasTargetAsync(space.Name, cancellationToken).ConfigureAwait(false);
        if (serving is null)
        {
            var initial = space.CollectionFor(InitialVersion);
            await CreateCollectionAsync(space, initial, cancellationToken).ConfigureAwait(false);
            try
            {
                await _calls.RunAsync($"create alias '{space.Name}'", idempotent: false,
                    token => _client.CreateAliasAsync(space.Name, initial, cancellationToken: token), cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (IsAlreadyExists(e))
            {
                // Another replica created it first; whatever it points at is the space now.
            }

            serving = await AliasTargetAsync(space.Name, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Qdrant alias '{space.Name}' is missing right after it was created.");
        }

        await CheckShapeAsync(space, serving, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the collection (tolerating a concurrent creator) and its payload indexes, before any point is loaded.</summary>
    private async Task CreateCollectionAsync(VectorSpace space, string collection, CancellationToken cancellationToken)
    {
        var hnsw = _options.Hnsw;
        var config = new HnswConfigDiff { M = (ulong)hnsw.M, EfConstruct = (ulong)hnsw.EfConstruct, FullScanThreshold = (ulong)hnsw.FullScanThresholdKb };
        if (hnsw.PayloadM > 0)
        {
            config.PayloadM = (ulong)hnsw.PayloadM;
        }

        try
        {
            await _calls.RunAsync($"create collection '{collection}'", idempotent: false,
                token => _client.CreateCollectionAsync(collection, new VectorParams { Size = (ulong)space.Dimension, Distance = Distance.Cosine }, hnswConfig: config,
                    cancellationToken: token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (IsAlreadyExists(e))
        {
            // A concurrent creator won; its collection is checked below like any existing one.
        }

        await CheckShapeAsync(space, collection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks the dimension of an existing collection and creates the payload indexes it lacks (tenant first).</summary>
    private async Task CheckShapeAsync(VectorSpace space, string collection, CancellationToken cancellationToken)
    {
        var info = await _calls.RunAsync($"describe collection '{collection}'", idempotent: true,
            token => _client.GetCollectionInfoAsync(collection, token), cancellationToken).ConfigureAwait(false);
        var size = info.Config?.Params?.VectorsConfig?.Params?.Size;
        if (size is not null && size != (ulong)space.Dimension)
        {
            throw new InvalidOperationException(
                $"Space '{space.Name}' exists in Qdrant (collection '{collection}') with {size}-dimensional vectors; this caller declares {space.Dimension}. Build it under a new version or space name.");
        }

        var indexed = info.PayloadSchema.Keys.ToHashSet(StringComparer.Ordinal);
        if (!indexed.Contains(VectorSpace.TenantField))
        {
            var tenantIndex = new PayloadIndexParams { KeywordIndexParams = new KeywordIndexParams { IsTenant = true } };
            await _calls.RunAsync($"index '{VectorSpace.TenantField}' of '{collection}'", idempotent: true,
                token => _client.CreatePayloadIndexAsync(collection, VectorSpace.TenantField, PayloadSchemaType.Keyword, tenantIndex, wait: true, cancellationToken: token),
                cancellationToken).ConfigureAwait(false);
        }

        foreach (var field in space.Fields.Where(f => f.Indexed && !indexed.Contains(f.Name)))
        {
            await _calls.RunAsync($"index '{field.Name}' of '{collection}'", idempotent: true,
                token => _client.CreatePayloadIndexAsync(collection, field.Name, QdrantMapping.SchemaOf(field.Type), wait: true, cancellationToken: token),
                cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string?> AliasTargetAsync(string alias, CancellationToken cancellationToken)
    {
        var aliases = await _calls.RunAsync("list aliases", idempotent: true, token => _client.ListAliasesAsync(token), cancellationToken).ConfigureAwait(false);
        return aliases.FirstOrDefault(a => a.AliasName == alias)?.CollectionName;
    }

    /// <summary>Batches sent concurrently (bounded), each waiting until applied; the whole call was validated before the first.</summary>
    private async Task UpsertIntoAsync(string collection, string tenantId, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken)
    {
        if (points.Count == 0)
        {
            return;
        }

        var batches = points.Chunk(_options.UpsertBatchSize).Select(chunk => (IReadOnlyList<PointStruct>)[.. chunk.Select(p => ToPoint(tenantId, p))]).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = _options.UpsertConcurrency, CancellationToken = cancellationToken },
            async (batch, token) => await _calls.RunAsync($"upsert into '{collection}'", idempotent: true,
                t => _client.UpsertAsync(collection, batch, wait: true, cancellationToken: t), token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private static PointStruct ToPoint(string tenantId, VectorPoint point)
    {
        var structure = new PointStruct { Id = QdrantPointIds.For(tenantId, point.Id), Vectors = VectorMath.Normalized(point.Vector) };
        structure.Payload.Add(QdrantMapping.Payload(tenantId, point));
        return structure;
    }

    private SearchParams SearchParams()
    {
        var parameters = new SearchParams { Exact = _options.Hnsw.Exact };
        if (_options.Hnsw.HnswEf is { } ef)
        {
            parameters.HnswEf = (ulong)ef;
        }

        return parameters;
    }

    private static IReadOnlyList<VectorHit> Hits(VectorSpace space, IReadOnlyList<ScoredPoint> points) =>
        [.. points.Select(p => new VectorHit(QdrantMapping.IdOf(p.Payload), p.Score, QdrantMapping.FromPayload(space, p.Payload)))];

    private async Task<string?> MissingExampleAsync(VectorSpace space, string tenantId, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var found = await _calls.RunAsync($"get from '{Target(space)}'", idempotent: true,
            token => _client.RetrieveAsync(Target(space), [.. ids.Select(id => QdrantMapping.PointIdFor(tenantId, id))], withPayload: true, withVectors: false,
                cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        var present = found.Select(p => QdrantMapping.IdOf(p.Payload)).ToHashSet(StringComparer.Ordinal);
        return ids.FirstOrDefault(id => !present.Contains(id));
    }

    private static bool IsAlreadyExists(RpcException e) =>
        e.StatusCode == StatusCode.AlreadyExists || (e.StatusCode == StatusCode.InvalidArgument && e.Status.Detail.Contains("already exists", StringComparison.OrdinalIgnoreCase));

    private async Task CommitAsync(VectorSpace space, string collection, CancellationToken cancellationToken)
    {
        var previous = await AliasTargetAsync(space.Name, cancellationToken).ConfigureAwait(false);
        var operations = new List<AliasOperations>();
        if (previous is not null)
        {
            operations.Add(new AliasOperations { DeleteAlias = new DeleteAlias { AliasName = space.Name } });
        }

        operations.Add(new AliasOperations { CreateAlias = new CreateAlias { AliasName = space.Name, CollectionName = collection } });
        // One request: Qdrant applies the alias changes together, so no reader sees the alias missing or half-moved.
        await _calls.RunAsync($"switch alias '{space.Name}' to '{collection}'", idempotent: false,
            token => _client.UpdateAliasesAsync(operations, cancellationToken: token), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Qdrant alias {Alias} now serves {Collection} (was {Previous})", space.Name, collection, previous);
        if (previous is not null && previous != collection)
        {
            _ = DropAfterGraceAsync(previous);
        }
    }

    private async Task DropAfterGraceAsync(string collection)
    {
        try
        {
            if (_options.OldVersionGracePeriod > TimeSpan.Zero)
            {
                await Task.Delay(_options.OldVersionGracePeriod, _time).ConfigureAwait(false);
            }

            await _calls.RunAsync($"drop collection '{collection}'", idempotent: true,
                token => _client.DeleteCollectionAsync(collection, cancellationToken: token), CancellationToken.None).ConfigureAwait(false);
            _logger.LogInformation("Dropped the replaced Qdrant collection {Collection}", collection);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Could not drop the replaced Qdrant collection {Collection}; drop it by hand", collection);
        }
    }

    private async Task DiscardAsync(string collection)
    {
        try
        {
            await _calls.RunAsync($"drop collection '{collection}'", idempotent: true,
                token => _client.DeleteCollectionAsync(collection, cancellationToken: token), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Could not drop the uncommitted Qdrant collection {Collection}; the next build of that version replaces it", collection);
        }
    }

    private sealed class Build(QdrantVectorIndex index, VectorSpace space, string version, string collection) : IVectorSpaceBuild
    {
        private bool _done;

        public string Version => version;

        public async Task UpsertAsync(string tenantId, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            VectorIndexGuards.EnsurePoints(space, tenantId, points);
            await index.UpsertIntoAsync(collection, tenantId, points, cancellationToken).ConfigureAwait(false);
        }

        public async Task CommitAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            await index.CommitAsync(space, collection, cancellationToken).ConfigureAwait(false);
            _done = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_done)
            {
                _done = true;
                await index.DiscardAsync(collection).ConfigureAwait(false);
            }
        }
    }
}
