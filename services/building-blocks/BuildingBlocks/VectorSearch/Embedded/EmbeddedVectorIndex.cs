using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.VectorSearch.Embedded;

/// <summary>
/// An exact cosine index in process: one <see cref="TenantShard"/> per tenant (so tenant scoping is structural, not a
/// filter that could be forgotten), filters applied during the scan, SIMD dot products on unit vectors. Snapshots are
/// written to <see cref="EmbeddedVectorIndexOptions.DataDirectory"/> after <see cref="EmbeddedVectorIndexOptions.FlushDelay"/>
/// or on <see cref="FlushAsync"/>/dispose, and loaded at construction, so a restart does not re-encode every property.
/// </summary>
public sealed class EmbeddedVectorIndex : IVectorIndex, IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, TenantShard> _shards = new(StringComparer.Ordinal);
    private readonly EmbeddedVectorIndexOptions _options;
    private readonly string? _directory;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly ITimer? _flushTimer;
    private int _flushScheduled;
    private bool _disposed;

    public EmbeddedVectorIndex(IOptions<EmbeddedVectorIndexOptions> options, TimeProvider? timeProvider = null)
    {
        _options = options.Value;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.Dimension);
        _timeProvider = timeProvider ?? TimeProvider.System;
        if (!string.IsNullOrWhiteSpace(_options.DataDirectory))
        {
            _directory = Path.GetFullPath(_options.DataDirectory);
            Directory.CreateDirectory(_directory);
            Load();
            _flushTimer = _timeProvider.CreateTimer(_ => _ = FlushInBackgroundAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public EmbeddedVectorIndex(EmbeddedVectorIndexOptions options, TimeProvider? timeProvider = null)
        : this(Options.Create(options), timeProvider)
    {
    }

    public int Dimension => _options.Dimension;

    /// <summary>The last background flush failure, if any; the changes stay dirty, so the next flush retries them.</summary>
    public Exception? LastFlushError { get; private set; }

    public Task UpsertAsync(IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        // Validate the whole batch first: a bad point rejects the batch and leaves the index untouched.
        VectorIndexGuards.EnsurePoints(points, Dimension);
        foreach (var group in points.GroupBy(p => p.Payload.TenantId, StringComparer.Ordinal))
        {
            var shard = _shards.GetOrAdd(group.Key, tenant => new TenantShard(tenant, Dimension));
            shard.Lock.EnterWriteLock();
            try
            {
                foreach (var point in group)
                {
                    shard.Upsert(point.Id, point.Vector, point.Payload);
                }
            }
            finally
            {
                shard.Lock.ExitWriteLock();
            }
        }

        ScheduleFlush();
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        VectorIndexGuards.EnsureTenant(tenantId);
        ArgumentNullException.ThrowIfNull(ids);
        if (_shards.TryGetValue(tenantId, out var shard))
        {
            WithWriteLock(shard, () =>
            {
                foreach (var id in ids)
                {
                    shard.Delete(id);
                }
            });
            ScheduleFlush();
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<VectorHit>> SearchAsync(float[] vector, int limit, VectorFilter filter, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(vector);
        VectorIndexGuards.EnsureQuery(limit, filter);
        VectorMath.EnsureValid(vector, Dimension, "Search query");
        if (!_shards.TryGetValue(filter.TenantId, out var shard))
        {
            return Task.FromResult<IReadOnlyList<VectorHit>>([]);
        }

        var query = VectorMath.Normalized(vector);
        return Task.FromResult(WithReadLock(shard, () => Search(shard, query, limit, filter, excluded: null)));
    }

    public Task<IReadOnlyList<VectorHit>> RecommendAsync(
        IReadOnlyList<string> positiveIds, IReadOnlyList<string> negativeIds, int limit, VectorFilter filter,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        VectorIndexGuards.EnsureExamples(positiveIds, negativeIds);
        VectorIndexGuards.EnsureQuery(limit, filter);
        if (!_shards.TryGetValue(filter.TenantId, out var shard))
        {
            throw NotFound(filter.TenantId, positiveIds[0]);
        }

        return Task.FromResult(WithReadLock(shard, () =>
        {
            var positives = positiveIds.Select(id => VectorOf(shard, id)).ToList();
            var negatives = negativeIds.Select(id => VectorOf(shard, id)).ToList();
            var query = VectorIndexGuards.AverageVectorQuery(positives, negatives, Dimension);
            VectorMath.EnsureValid(query, Dimension, "Recommend query (the examples cancel out)");
            VectorMath.Normalize(query, query);
            // Like Qdrant, the examples themselves are not recommended.
            return Search(shard, query, limit, filter, excluded: [.. positiveIds, .. negativeIds]);
        }));
    }

    public Task<VectorPoint?> GetAsync(string tenantId, string id, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        VectorIndexGuards.EnsureTenant(tenantId);
        ArgumentNullException.ThrowIfNull(id);
        if (!_shards.TryGetValue(tenantId, out var shard))
        {
            return Task.FromResult<VectorPoint?>(null);
        }

        return Task.FromResult(WithReadLock(shard, () =>
            shard.TryGetRow(id, out var row) ? new VectorPoint(id, shard.VectorAt(row).ToArray(), shard.PayloadAt(row)) : null));
    }

    public Task<long> CountAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        VectorIndexGuards.EnsureTenant(tenantId);
        return Task.FromResult(_shards.TryGetValue(tenantId, out var shard) ? WithReadLock(shard, () => (long)shard.Count) : 0L);
    }

    /// <summary>Writes the snapshot of every changed tenant now. A no-op for an in-memory index.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_directory is null)
        {
            return;
        }

        await _flushGate.WaitAsync(cancellationToken);
        try
        {
            Interlocked.Exchange(ref _flushScheduled, 0);
            foreach (var shard in _shards.Values)
            {
                // Clear the flag before writing: a change during the write sets it again and is written next time.
                shard.Lock.EnterReadLock();
                try
                {
                    if (!shard.Dirty)
                    {
                        continue;
                    }

                    shard.Dirty = false;
                    try
                    {
                        ShardSnapshot.Write(shard, _directory);
                    }
                    catch
                    {
                        shard.Dirty = true;
                        throw;
                    }
                }
                finally
                {
                    shard.Lock.ExitReadLock();
                }
            }

            LastFlushError = null;
        }
        finally
        {
            _flushGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        if (_flushTimer is not null)
        {
            await _flushTimer.DisposeAsync();
        }

        await FlushAsync();
        _disposed = true;
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static IReadOnlyList<VectorHit> Search(TenantShard shard, float[] unitQuery, int limit, VectorFilter filter, string[]? excluded)
    {
        var compiled = shard.Compile(filter, excluded);
        if (compiled.MatchesNothing)
        {
            return [];
        }

        return [.. shard.Search(unitQuery, limit, compiled).Select(hit => new VectorHit(shard.IdAt(hit.Row), hit.Score, shard.PayloadAt(hit.Row)))];
    }

    private static float[] VectorOf(TenantShard shard, string id) =>
        shard.TryGetRow(id, out var row) ? shard.VectorAt(row).ToArray() : throw NotFound(shard.TenantId, id);

    private static KeyNotFoundException NotFound(string tenantId, string id) =>
        new($"No point with id '{id}' in tenant '{tenantId}'.");

    private static T WithReadLock<T>(TenantShard shard, Func<T> read)
    {
        shard.Lock.EnterReadLock();
        try
        {
            return read();
        }
        finally
        {
            shard.Lock.ExitReadLock();
        }
    }

    private static void WithWriteLock(TenantShard shard, Action write)
    {
        shard.Lock.EnterWriteLock();
        try
        {
            write();
        }
        finally
        {
            shard.Lock.ExitWriteLock();
        }
    }

    private void Load()
    {
        foreach (var path in Directory.EnumerateFiles(_directory!, "*" + ShardSnapshot.Extension).Order(StringComparer.Ordinal))
        {
            var shard = ShardSnapshot.Read(path, Dimension);
            if (!_shards.TryAdd(shard.TenantId, shard))
            {
                throw new InvalidDataException($"Vector snapshot '{path}' repeats tenant '{shard.TenantId}'.");
            }
        }
    }

    private void ScheduleFlush()
    {
        if (_flushTimer is not null && Interlocked.Exchange(ref _flushScheduled, 1) == 0)
        {
            _flushTimer.Change(_options.FlushDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task FlushInBackgroundAsync()
    {
        try
        {
            await FlushAsync();
        }
        catch (Exception e)
        {
            // Kept for the next explicit flush and for diagnostics; the data stays in memory and dirty, so nothing is lost yet.
            LastFlushError = e;
        }
    }
}
