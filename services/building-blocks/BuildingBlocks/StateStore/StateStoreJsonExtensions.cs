using System.Text.Json;

namespace Platform.BuildingBlocks.StateStore;

/// <summary>Typed JSON helpers over the byte-oriented port.</summary>
public static class StateStoreJsonExtensions
{
    public static async Task<(T? Value, string? ETag)> GetJsonAsync<T>(
        this IStateStore store, string key, JsonSerializerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var entry = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return entry is null ? (default, null) : (JsonSerializer.Deserialize<T>(entry.Value, options), entry.ETag);
    }

    public static Task<string> SaveJsonAsync<T>(
        this IStateStore store, string key, T value, string? etag = null, JsonSerializerOptions? options = null,
        CancellationToken cancellationToken = default) =>
        store.SaveAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, options), etag, cancellationToken);
}
