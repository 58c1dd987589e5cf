using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Registry;

/// <summary>
/// The champion of one model for every tenant: one <see cref="ChampionModelCache{TModel}"/> per tenant, created on the
/// tenant's first request (or deployment) and kept in a least-recently-used set of at most <see cref="Capacity"/> tenants,
/// so memory stays bounded by the cap times one model however many tenants call. An evicted tenant is loaded again from the
/// registry on its next request. A tenant never sees another tenant's model: without its own champion it gets
/// <see cref="ModelNotDeployedException"/> (503 + Retry-After).
/// </summary>
public sealed class TenantChampions<TModel>(
    ModelRegistry registry,
    string modelName,
    Func<byte[], TModel> load,
    TimeSpan timeToLive,
    TimeProvider time,
    ILogger logger,
    string alias = ModelRegistry.Champion,
    int capacity = TenantChampionsDefaults.Capacity)
    where TModel : class
{
    private readonly ConcurrentDictionary<string, Entry> _tenants = new(StringComparer.Ordinal);
    private readonly Lock _evictGate = new();

    // A use counter orders the tenants for eviction (deterministic, unlike a clock that may not move between two calls).
    private long _uses;

    public string ModelName => modelName;

    public string Alias => alias;

    public TimeSpan TimeToLive => timeToLive;

    /// <summary>Most tenants whose model is held in memory; the least recently used is dropped beyond it.</summary>
    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), "The capacity must be positive.");

    /// <summary>Retry-After of the 503 answered while a tenant has no model.</summary>
    public int RetryAfterSeconds { get; init; } = 10;

    /// <summary>The tenants' caches held now (loaded or still empty), in no particular order.</summary>
    public IReadOnlyList<ChampionModelCache<TModel>> Held => [.. _tenants.Values.Select(e => e.Cache)];

    /// <summary>The tenant's cache, created (empty) when the tenant has none yet; marks the tenant recently used.</summary>
    public ChampionModelCache<TModel> For(string tenantId)
    {
        if (_tenants.TryGetValue(tenantId, out var entry))
        {
            entry.Touch(Interlocked.Increment(ref _uses));
            return entry.Cache;
        }

        if (!TenantScope.IsValidId(tenantId))
        {
            throw new ArgumentException($"'{tenantId}' is not a valid tenant id.", nameof(tenantId));
        }

        var created = _tenants.GetOrAdd(tenantId, id => new Entry(new ChampionModelCache<TModel>(registry, id, modelName, load, timeToLive, time, logger, alias)
        {
            RetryAfterSeconds = RetryAfterSeconds,
        }));
        created.Touch(Interlocked.Increment(ref _uses));
        if (_tenants.Count > Capacity)
        {
            Evict(keep: tenantId);
        }

        return created.Cache;
    }

    /// <summary>The tenant's serving model without touching the registry when one is loaded (hot path); null while it has none.</summary>
    public async ValueTask<LoadedModel<TModel>?> GetAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var cache = For(tenantId);
        return cache.Current ?? await cache.GetAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The tenant's serving model, or <see cref="ModelNotDeployedException"/> (503 with Retry-After) while it has none.</summary>
    public ValueTask<LoadedModel<TModel>> RequireAsync(string tenantId, CancellationToken cancellationToken = default) =>
        For(tenantId).RequireAsync(cancellationToken);

    /// <summary>Re-reads the alias of every tenant held (the refresher's TTL pass); one tenant's failure does not stop the others.</summary>
    public async Task ReloadLoadedAsync(CancellationToken cancellationToken = default)
    {
        foreach (var cache in Held)
        {
            try
            {
                await cache.ReloadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Could not read the {Alias} of {Model} for tenant {Tenant}", alias, modelName, cache.TenantId);
            }
        }
    }

    /// <summary>Loads the models of the tenants that have this alias in the registry, up to <see cref="Capacity"/> (at start).</summary>
    public async Task PreloadAsync(CancellationToken cancellationToken = default)
    {
        var tenants = await registry.TenantsWithAliasesAsync(modelName, cancellationToken).ConfigureAwait(false);
        foreach (var tenantId in tenants.Take(Capacity))
        {
            await For(tenantId).ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Drops the least recently used tenants (never <paramref name="keep"/>) until the set is within the cap: tenants without a
    /// loaded model first (they cost nothing to re-create), so requests naming tenants that have no model do not push out
    /// the models of those that have.
    /// </summary>
    private void Evict(string keep)
    {
        lock (_evictGate)
        {
            while (_tenants.Count > Capacity)
            {
                var candidates = _tenants.Where(pair => pair.Key != keep).ToList();
                var empty = candidates.Where(pair => pair.Value.Cache.Current is null).ToList();
                var oldest = (empty.Count > 0 ? empty : candidates).MinBy(pair => pair.Value.LastUsed);
                if (oldest.Key is null || !_tenants.TryRemove(oldest.Key, out _))
                {
                    return;
                }

                logger.LogInformation("Dropped {Model} of tenant {Tenant} from memory ({Capacity} tenants at most)", modelName, oldest.Key, Capacity);
            }
        }
    }

    private sealed class Entry(ChampionModelCache<TModel> cache)
    {
        private long _lastUsed;

        public ChampionModelCache<TModel> Cache { get; } = cache;

        public long LastUsed => Volatile.Read(ref _lastUsed);

        public void Touch(long use) => Volatile.Write(ref _lastUsed, use);
    }
}
