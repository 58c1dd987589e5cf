using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>What a request needs of a user's recent signals once their vector is known: how many there are and what to exclude.</summary>
public sealed record RecentSignals(int InteractionCount, IReadOnlyCollection<string> DealtOrDisliked);

/// <summary>
/// Recent signals per user, kept for <see cref="PortfolioTwinOptions.RecentSignalsCacheSeconds"/> so a user asking again and
/// again costs no PostgreSQL read each time (the read was most of a request's cost under load). Interactions this instance
/// ingests invalidate their users at once; ones ingested by another replica are seen within the TTL. A read that started before
/// an invalidation never overwrites it, so a slow read cannot bring back what a fresh interaction changed. Bounded like
/// <see cref="UserVectorCache"/>.
/// </summary>
public sealed class RecentSignalsCache(IOptionsMonitor<PortfolioTwinOptions> options, TimeProvider time)
{
    // Value null: an invalidation (tombstone) at ReadStarted, which older reads may not overwrite.
    private readonly ConcurrentDictionary<(string Tenant, string User), Entry> _entries = new();

    public int Count => _entries.Count;

    private long Ttl => (long)(options.CurrentValue.RecentSignalsCacheSeconds * time.TimestampFrequency);

    /// <summary>A timestamp to take before reading the signals, handed to <see cref="Set"/> with what was read.</summary>
    public long ReadStarting() => time.GetTimestamp();

    public RecentSignals? Get(string tenantId, string userId) =>
        _entries.TryGetValue((tenantId, userId), out var entry) && entry.Value is { } value && time.GetTimestamp() - entry.ReadStarted < Ttl
            ? value
            : null;

    /// <summary>Keeps what a read begun at <paramref name="readStarted"/> found, unless something newer is known already.</summary>
    public void Set(string tenantId, string userId, RecentSignals signals, long readStarted)
    {
        if (Ttl <= 0)
        {
            return;
        }

        if (_entries.Count >= options.CurrentValue.RecentSignalsCacheSize)
        {
            BoundedCache.EvictOldestHalf(_entries, e => e.ReadStarted);
        }

        var entry = new Entry(signals, readStarted);
        _entries.AddOrUpdate((tenantId, userId), entry, (_, existing) => existing.ReadStarted >= readStarted ? existing : entry);
    }

    /// <summary>The user got new interactions: forget what was read before now.</summary>
    public void Invalidate(string tenantId, string userId) => _entries[(tenantId, userId)] = new Entry(null, time.GetTimestamp());

    private sealed record Entry(RecentSignals? Value, long ReadStarted);
}

/// <summary>Eviction shared by the serving caches: when full, the oldest half goes (entries are cheap to recompute).</summary>
internal static class BoundedCache
{
    public static void EvictOldestHalf<TKey, TValue>(ConcurrentDictionary<TKey, TValue> entries, Func<TValue, long> stamp)
        where TKey : notnull
    {
        var oldest = entries.OrderBy(e => stamp(e.Value)).Take(Math.Max(1, entries.Count / 2)).Select(e => e.Key).ToList();
        foreach (var key in oldest)
        {
            entries.TryRemove(key, out _);
        }
    }
}
