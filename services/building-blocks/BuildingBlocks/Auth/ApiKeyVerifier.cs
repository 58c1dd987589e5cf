using System.Collections.Concurrent;
using System.Security.Cryptography;
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
    public Task<ApiKeyRecord?> VerifyAsync(string presented, CancellationToken cancellationToken) =>
        ApiKeyFormat.TryParse(presented) is { } parsed ? VerifyAsync(parsed, cancellationToken) : Task.FromResult<ApiKeyRecord?>(null);

    /// <summary>The same for a key already parsed (format and checksum checked), so the hot path parses it once.</summary>
    public async Task<ApiKeyRecord?> VerifyAsync(ParsedApiKey parsed, CancellationToken cancellationToken)
    {
        var presented = parsed.Key;
        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        if (!_cache.TryGetValue(parsed.KeyId, out var cached) || now - cached.FetchedAt >= settings.ApiKeyCacheDuration)
        {
            var found = await store.FindAsync(parsed.KeyId, cancellationToken).ConfigureAwait(false);
            cached = new CachedKey(found?.Record, found?.Hash, now);
            if (_cache.Count >= settings.ApiKeyCacheSize)
            {
                _cache.Clear();
            }

            _cache[parsed.KeyId] = cached;
        }

        return cached.Record is { } record && cached.Hash is { } hash
            && CryptographicOperations.FixedTimeEquals(hash, ApiKeyFormat.Hash(presented))
            && record.IsActiveAt(now)
                ? record
                : null;
    }

    /// <summary>Forgets a key at once (after revocation here).</summary>
    public void Evict(string keyId) => _cache.TryRemove(keyId, out _);
}
