using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.VectorSearch.Embedded;

/// <summary>
/// An exact cosine index in process. Each space serves one version at a time; a version holds one <see cref="TenantShard"/>
/// per tenant (so tenant scoping is structural, not a filter that could be forgotten); filters are applied during the scan;
/// dot products are SIMD over unit vectors. A read takes the serving version once, so it never sees two versions.
/// <para>
/// Re-indexing builds a version aside (<see cref="BeginBuildAsync"/>); committing writes it to disk completely, then points
/// the space's alias file at it and swaps the in-memory reference, so a crash or failure leaves the old version serving.
/// Snapshots of changed tenants are written after <see cref="EmbeddedVectorIndexOptions.FlushDelay"/> or on
/// <see cref="FlushAsync"/>/dispose, and loaded when a space is first used, so a restart does not re-encode every point.
/// </para>
/// </summary>
public sealed class EmbeddedVectorIndex : IVectorIndex, IAsyncDisposable, IDisposable
{
    /// <summary>The version a space starts with before any build is committed.</summary>
    public const string InitialVersion = "initial";

    private const string AliasFileName = "serving";

    private readonly ConcurrentDictionary<string, SpaceState> _spaces = new(StringComparer.Ordinal);
    private readonly Lock _spacesGate = new();
    private readonly EmbeddedVectorIndexOptions _options;
    private readonly string? _directory;
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ITimer? _flushTimer;
    private int _flushScheduled;
    private bool _disposed;

    public EmbeddedVectorIndex(IOptions<EmbeddedVectorIndexOptions> options, TimeProvider? timeProvider = null)
    {
        _options = options.Value;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxLimit);
        var time = timeProvider ?? TimeProvider.System;
        _time = time;
        if (!string.IsNullOrWhiteSpace(_options.DataDirectory))
        {
            _directory = Path.GetFullPath(_options.DataDirectory);
            Directory.CreateDirectory(_directory);
            _flushTimer = time.CreateTimer(_ => _ = FlushInBackgroundAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public EmbeddedVectorIndex(EmbeddedVectorIndexOptions options, TimeProvider? timeProvider = null)
        : this(Options.Create(options), timeProvider)
    {
    }

    /// <summary>The last background flush failure, if any; the changes stay dirty, so the next flush retries them.</summary>
    public Exception? LastFlushError { get; private set; }

    public Task EnsureSpaceAsync(VectorSpace space, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        StateOf(space);
        return Task.CompletedTask;
    }

    public Task<string?> ServingVersionAsync(VectorSpace space, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<string?>(StateOf(space).Serving.Version);
    }

    public Task UpsertAsync(VectorSpace space, string tenantId, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        VectorIndexGuards.EnsurePoints(space, tenantId, points);
        VersionOf(space).Upsert(tenantId, points);
        ScheduleFlush();
        return Task.CompletedTask;
    }

    public Task DeleteAsync(VectorSpace space, string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        VectorIndexGuards.EnsureTenant(tenantId);
        ArgumentNullException.ThrowIfNull(ids);
        if (VersionOf(space).Shards.TryGetValue(tenantId, out var shard))
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

    public Task<VectorPoint?> GetAsync(VectorSpace space, string tenantId, string id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        VectorIndexGuards.EnsureTenant(tenantId);
        ArgumentNullException.ThrowIfNull(id);
        if (!VersionOf(space).Shards.TryGetValue(tenantId, out var shard))
        {
            return Task.FromResult<VectorPoint?>(null);
        }

        return Task.FromResult(WithReadLock(shard, () =>
            shard.TryGetRow(id, out var row) ? new VectorPoint(id, shard.VectorAt(row).ToArray(), shard.PayloadAt(row)) : null));
    }

    public Task<IReadOnlyList<VectorPoint>> GetManyAsync(VectorSpace space, string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        VectorIndexGuards.EnsureTenant(tenantId);
        VectorIndexGuards.EnsureIds(ids);
        if (ids.Count == 0 || !VersionOf(space).Shards.TryGetValue(tenantId, out var shard))
        {
            return Task.FromResult<IReadOnlyList<VectorPoint>>([]);
        }

        return Task.FromResult<IReadOnlyList<VectorPoint>>(WithReadLock(shard, () =>
        {
            var points = new List<VectorPoint>(ids.Count);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var id in ids)
            {
                if (seen.Add(id) && shard.TryGetRow(id, out var row))
                {
                    points.Add(new VectorPoint(id, shard.VectorAt(row).ToArray(), shard.PayloadAt(row)));
                }
            }

            return points;
        }));
    }

    public Task<long> CountAsync(VectorSpace space, string tenantId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        VectorIndexGuards.EnsureTenant(tenantId);
        return Task.FromResult(VersionOf(space).Shards.TryGetValue(tenantId, out var shard) ? WithReadLock(shard, () => (long)shard.Count) : 0L);
    }

    public Task<IReadOnlyList<VectorHit>> SearchAsync(VectorSpace space, VectorQuery query, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        VectorIndexGuards.EnsureQuery(space, query, _options.MaxLimit);
        if (!VersionOf(space).Shards.TryGetValue(query.TenantId, out var shard))
        {
            return Task.FromResult<IReadOnlyList<VectorHit>>([]);
        }

        var unit = VectorMath.Normalized(query.Vector);
        return Task.FromResult(WithReadLock(shard, () =>
        {
            var admits = RowFilter.Mask(shard, query.Filter, excludedIds: null);
            try
            {
                return Hits(shard, shard.Search(unit, query.Limit, admits));
            }
            finally
            {
                RowFilter.Release(admits);
            }
        }));
    }

    public Task<IReadOnlyList<VectorHit>> RecommendAsync(VectorSpace space, RecommendQuery query, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        VectorIndexGuards.EnsureRecommend(space, query, _options.MaxLimit);
        var negativeIds = query.Negative ?? [];
        if (!VersionOf(space).Shards.TryGetValue(query.TenantId, out var shard))
        {
            throw NotFound(query.TenantId, query.Positive[0]);
        }

        return Task.FromResult(WithReadLock(shard, () =>
        {
            var positives = query.Positive.Select(id => VectorOf(shard, id)).ToList();
            var negatives = negativeIds.Select(id => VectorOf(shard, id)).ToList();
            // Like Qdrant, the examples themselves are not recommended.
            if ((query.Strategy ?? _options.DefaultStrategy) == RecommendStrategy.AverageVector)
            {
                var target = VectorMath.AverageVectorQuery(positives, negatives, space.Dimension);
                VectorMath.EnsureValid(target, space.Dimension, "The recommend query (the examples cancel out)", "positive");
                VectorMath.Normalize(target, target);
                positives = [target];
            }

            var admits = RowFilter.Mask(shard, query.Filter, [.. query.Positive, .. negativeIds]);
            try
            {
                return Hits(shard, (query.Strategy ?? _options.DefaultStrategy) == RecommendStrategy.BestScore
                    ? shard.SearchBestScore(positives, negatives, query.Limit, admits)
                    : shard.Search(positives[0], query.Limit, admits));
            }
            finally
            {
                RowFilter.Release(admits);
            }
        }));
    }

    public Task<IVectorSpaceBuild> BeginBuildAsync(VectorSpace space, string version, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = StateOf(space);
        space.CollectionFor(version);
        if (state.Serving.Version == version)
        {
            throw new InvalidOperationException($"Version '{version}' of space '{space.Name}' is already serving; a build needs a new version.");
        }

        return Task.FromResult<IVectorSpaceBuild>(new Build(this, state, new SpaceVersion(version, space)));
    }

    /// <summary>Writes the snapshot of every changed tenant of every serving version now. A no-op for an in-memory index.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_directory is null)
        {
            return;
        }

        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Interlocked.Exchange(ref _flushScheduled, 0);
            foreach (var state in _spaces.Values)
            {
                // Nothing changed, nothing written (the alias file is written when a build commits, or with the first data).
                var serving = state.Serving;
                if (WriteShards(serving, VersionDirectory(serving.Space, serving.Version), onlyDirty: true))
                {
                    WriteAlias(state.Space, serving.Version);
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
            await _flushTimer.DisposeAsync().ConfigureAwait(false);
        }

        await FlushAsync().ConfigureAwait(false);
        _disposed = true;
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private SpaceState StateOf(VectorSpace space)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(space);
        if (!_spaces.TryGetValue(space.Name, out var state))
        {
            lock (_spacesGate)
            {
                state = _spaces.GetOrAdd(space.Name, _ => new SpaceState(space, LoadOrCreate(space)));
            }
        }

        if (state.Space.Dimension != space.Dimension)
        {
            throw new InvalidOperationException(
                $"Space '{space.Name}' exists with {state.Space.Dimension}-dimensional vectors; this caller declares {space.Dimension}. Rebuild it under a new space name or version.");
        }

        if (!state.Space.Fields.Select(f => (f.Name, f.Type)).SequenceEqual(space.Fields.Select(f => (f.Name, f.Type))))
        {
            throw new InvalidOperationException($"Space '{space.Name}' exists with other payload fields than this caller declares.");
        }

        return state;
    }

    /// <summary>The version a call addresses: the serving one, or the pinned one while it serves or is within its grace period.</summary>
    private SpaceVersion VersionOf(VectorSpace space)
    {
        var state = StateOf(space);
        var serving = state.Serving;
        if (space.Version is null || space.Version == serving.Version)
        {
            return serving;
        }

        if (state.Previous is { } previous && previous.Version == space.Version && _time.GetUtcNow() - state.ReplacedAt <= _options.OldVersionGracePeriod)
        {
            return previous;
        }

        throw new InvalidOperationException(
            $"Version '{space.Version}' of space '{space.Name}' is not available: it serves '{serving.Version}', and older versions are kept for {_options.OldVersionGracePeriod} after a switch.");
    }

    private SpaceVersion LoadOrCreate(VectorSpace space)
    {
        if (_directory is null)
        {
            return new SpaceVersion(InitialVersion, space);
        }

        var spaceDirectory = Path.Combine(_directory, space.Name);
        var aliasPath = Path.Combine(spaceDirectory, AliasFileName);
        var version = File.Exists(aliasPath) ? File.ReadAllText(aliasPath).Trim() : InitialVersion;
        var serving = new SpaceVersion(version, space);
        var versionDirectory = VersionDirectory(space, version);
        if (Directory.Exists(versionDirectory))
        {
            foreach (var path in Directory.EnumerateFiles(versionDirectory, "*" + ShardSnapshot.Extension).Order(StringComparer.Ordinal))
            {
                var shard = ShardSnapshot.Read(path, space);
                if (!serving.Shards.TryAdd(shard.TenantId, shard))
                {
                    throw new InvalidDataException($"Vector snapshot '{path}' repeats tenant '{shard.TenantId}'.");
                }
            }
        }

        // Left-overs of builds that never committed (a crash mid-build) or of versions already replaced.
        if (Directory.Exists(spaceDirectory))
        {
            foreach (var stale in Directory.EnumerateDirectories(spaceDirectory).Where(d => Path.GetFileName(d) != version))
            {
                Directory.Delete(stale, recursive: true);
            }
        }

        return serving;
    }

    private string VersionDirectory(VectorSpace space, string version) => Path.Combine(_directory!, space.Name, version);

    /// <summary>Writes the version's (changed) shards; true when anything was written.</summary>
    private static bool WriteShards(SpaceVersion version, string directory, bool onlyDirty)
    {
        var wrote = false;
        foreach (var shard in version.Shards.Values)
        {
            // Clear the flag before writing: a change during the write sets it again and is written next time.
            shard.Lock.EnterReadLock();
            try
            {
                if (onlyDirty && !shard.Dirty)
                {
                    continue;
                }

                shard.Dirty = false;
                try
                {
                    Directory.CreateDirectory(directory);
                    ShardSnapshot.Write(shard, directory);
                    wrote = true;
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

        return wrote;
    }

    private void WriteAlias(VectorSpace space, string version)
    {
        var path = Path.Combine(_directory!, space.Name, AliasFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path) && File.ReadAllText(path).Trim() == version)
        {
            return;
        }

        File.WriteAllText(path + ".tmp", version);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private async Task CommitAsync(SpaceState state, SpaceVersion built, CancellationToken cancellationToken)
    {
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var previous = state.Serving;
            if (_directory is not null)
            {
                // The whole new version is on disk before the alias names it: a crash before the rename keeps the old one.
                Directory.CreateDirectory(VersionDirectory(built.Space, built.Version));
                WriteShards(built, VersionDirectory(built.Space, built.Version), onlyDirty: false);
                WriteAlias(state.Space, built.Version);
            }

            state.Replace(built, _time.GetUtcNow());
            if (_directory is not null && previous.Version != built.Version && Directory.Exists(VersionDirectory(previous.Space, previous.Version)))
            {
                // Readers hold the old version in memory; only its files go.
                Directory.Delete(VersionDirectory(previous.Space, previous.Version), recursive: true);
            }
        }
        finally
        {
            _flushGate.Release();
        }
    }

    private static IReadOnlyList<VectorHit> Hits(TenantShard shard, List<(int Row, float Score)> rows) =>
        [.. rows.Select(hit => new VectorHit(shard.IdAt(hit.Row), hit.Score, shard.PayloadAt(hit.Row)))];

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
            await FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Kept for the next explicit flush and for diagnostics; the data stays in memory and dirty, so nothing is lost yet.
            LastFlushError = e;
        }
    }

    /// <summary>
    /// A space, the version it serves (the reference is swapped whole on commit) and the one it replaced, kept in memory for
    /// readers pinned to it until the grace period ends or the next commit.
    /// </summary>
    private sealed class SpaceState(VectorSpace space, SpaceVersion serving)
    {
        private volatile SpaceVersion _serving = serving;

        public VectorSpace Space { get; } = space;

        public SpaceVersion Serving => _serving;

        public SpaceVersion? Previous { get; private set; }

        public DateTimeOffset ReplacedAt { get; private set; }

        public void Replace(SpaceVersion next, DateTimeOffset now)
        {
            Previous = _serving;
            ReplacedAt = now;
            _serving = next;
        }
    }

    /// <summary>One version of a space: a shard per tenant.</summary>
    private sealed class SpaceVersion(string version, VectorSpace space)
    {
        public string Version { get; } = version;

        public VectorSpace Space { get; } = space;

        public ConcurrentDictionary<string, TenantShard> Shards { get; } = new(StringComparer.Ordinal);

        public void Upsert(string tenantId, IReadOnlyList<VectorPoint> points)
        {
            var shard = Shards.GetOrAdd(tenantId, tenant => new TenantShard(tenant, Space));
            WithWriteLock(shard, () =>
            {
                foreach (var point in points)
                {
                    shard.Upsert(point.Id, point.Vector, point.Payload);
                }
            });
        }
    }

    private sealed class Build(EmbeddedVectorIndex index, SpaceState state, SpaceVersion version) : IVectorSpaceBuild
    {
        private bool _committed;

        public string Version => version.Version;

        public Task UpsertAsync(string tenantId, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_committed, this);
            VectorIndexGuards.EnsurePoints(version.Space, tenantId, points);
            version.Upsert(tenantId, points);
            return Task.CompletedTask;
        }

        public async Task CommitAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_committed, this);
            await index.CommitAsync(state, version, cancellationToken).ConfigureAwait(false);
            _committed = true;
        }

        public ValueTask DisposeAsync()
        {
            // An uncommitted build lived in memory only (its files are written at commit): dropping the reference discards it.
            _committed = true;
            return ValueTask.CompletedTask;
        }
    }
}
