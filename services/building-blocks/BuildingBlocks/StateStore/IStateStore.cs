namespace Platform.BuildingBlocks.StateStore;

/// <summary>A value read from the state store with the ETag that guards its next write.</summary>
public sealed record StateEntry(string Key, byte[] Value, string ETag);

/// <summary>One write of a transaction: an upsert when <see cref="Value"/> is set, otherwise a delete.</summary>
public sealed record StateOperation(string Key, byte[]? Value, string? ETag = null)
{
    public static StateOperation Upsert(string key, byte[] value, string? etag = null) => new(key, value, etag);
    public static StateOperation Delete(string key, string? etag = null) => new(key, null, etag);
}

/// <summary>Raised when a write names an ETag that is no longer current (first-write-wins concurrency).</summary>
public sealed class StateConcurrencyException(string key)
    : Exception($"The state entry '{key}' was changed by someone else (ETag mismatch).")
{
    public string Key { get; } = key;
}

/// <summary>
/// Key/value state with optimistic concurrency, shaped like Dapr's state API so the Dapr adapter is a thin mapping.
/// Keys are opaque strings; callers namespace them (e.g. <c>workflow|{instanceId}|history</c>).
/// </summary>
public interface IStateStore
{
    Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Writes <paramref name="value"/>; with an <paramref name="etag"/> only if it is still current. Returns the new ETag.</summary>
    Task<string> SaveAsync(string key, byte[] value, string? etag = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the key (only if <paramref name="etag"/> is current, when given). Deleting a missing key is not an error.</summary>
    Task DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default);

    /// <summary>Applies every operation or none of them.</summary>
    Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken = default);

    /// <summary>Keys starting with <paramref name="prefix"/>, ordered. Used for listings (workflow instances, model versions).</summary>
    Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default);
}
