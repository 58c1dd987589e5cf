using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.Auth;

/// <summary>
/// Checks a presented tenant key: format and checksum first (no lookup for noise), then the stored hash. Lookups are
/// remembered for <see cref="PlatformAuthOptions.ApiKeyCacheDuration"/> so the hot path costs one SHA-256, not a query;
/// revocation through this process evicts at once, elsewhere it is seen when the entry expires.
/// </summary>
public sealed class ApiKeyVerifier(ApiKeyStore store, IOptionsMonitor<PlatformAuthOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, CachedKey> _cache = new(StringComparer.Ordinal);

    private sealed record CachedKey(ApiKeyRecord? Record, byte[]? Hash, DateTimeOffset FetchedAt);

    /// <summary>The key's record when it is well-formed, stored, not revoked and not expired; otherwise null.</summary>
    public ValueTask<ApiKeyRecord?> VerifyAsync(string presented, CancellationToken cancellationToken) =>
        ApiKeyFormat.TryParse(presented) is { } parsed ? VerifyAsync(parsed, cancellationToken) : ValueTask.FromResult<ApiKeyRecord?>(null);

    /// <summary>The same for a key already parsed (format and checksum checked), so the hot path parses it once.</summary>
    /// <remarks>A remembered key is answered synchronously: no task, no await on the hot path.</remarks>
    public ValueTask<ApiKeyRecord?> VerifyAsync(ParsedApiKey parsed, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return _cache.TryGetValue(parsed.KeyId, out var cached) && now - cached.FetchedAt < options.CurrentValue.ApiKeyCacheDuration
            ? ValueTask.FromResult(Check(cached, parsed, now))
            : FetchAsync(parsed, now, cancellationToken);
    }

    private async ValueTask<ApiKeyRecord?> FetchAsync(ParsedApiKey parsed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var found = await store.FindAsync(parsed.KeyId, cancellationToken).ConfigureAwait(false);
        var cached = new CachedKey(found?.Record, found?.Hash, now);
        if (_cache.Count >= options.CurrentValue.ApiKeyCacheSize)
        {
            _cache.Clear();
        }

        _cache[parsed.KeyId] = cached;
        return Check(cached, parsed, now);
    }

    private static ApiKeyRecord? Check(CachedKey cached, ParsedApiKey parsed, DateTimeOffset now) =>
        cached.Record is { } record && cached.Hash is { } hash && ApiKeyFormat.HashMatches(parsed.Key, hash) && record.IsActiveAt(now)
            ? record
            : null;

    /// <summary>Forgets a key at once (after revocation here).</summary>
    public void Evict(string keyId) => _cache.TryRemove(keyId, out _);
}
