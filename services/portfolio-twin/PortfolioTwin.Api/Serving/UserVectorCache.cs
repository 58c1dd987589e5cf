using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>A user vector the service derived itself (not learned in training), and which model's space it lives in.</summary>
public sealed record FoldedUserVector(float[] Vector, int ModelVersion, UserSource Source);

/// <summary>
/// Folded-in user vectors: cold-start users, and users whose interactions arrived after the serving model was trained. An entry
/// only counts for the model version it was computed with, so the next champion (trained on those interactions) takes over.
/// Bounded: when full, the oldest half is dropped (entries are cheap to recompute from the interactions).
/// </summary>
public sealed class UserVectorCache(IOptions<PortfolioTwinOptions> options)
{
    private readonly ConcurrentDictionary<(string Tenant, string User), (FoldedUserVector Vector, long Stamp)> _vectors = new();
    private long _clock;

    public int Count => _vectors.Count;

    public FoldedUserVector? Get(string tenantId, string userId, int modelVersion) =>
        _vectors.TryGetValue((tenantId, userId), out var entry) && entry.Vector.ModelVersion == modelVersion ? entry.Vector : null;

    public void Set(string tenantId, string userId, FoldedUserVector vector)
    {
        if (_vectors.Count >= options.Value.UserVectorCacheSize)
        {
            BoundedCache.EvictOldestHalf(_vectors, e => e.Stamp);
        }

        _vectors[(tenantId, userId)] = (vector, Interlocked.Increment(ref _clock));
    }

    public void Remove(string tenantId, string userId) => _vectors.TryRemove((tenantId, userId), out _);
}
