using System.Collections.Concurrent;

namespace Platform.BuildingBlocks.StateStore;

/// <summary>
/// A process-local state store with the same ETag semantics as the PostgreSQL and Dapr adapters. For unit tests and
/// short-lived tools; nothing survives the process.
/// </summary>
public sealed class InMemoryStateStore : IStateStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, StateEntry> _entries = new(StringComparer.Ordinal);
    private long _version;

    public Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_entries.TryGetValue(key, out var entry) ? entry with { Value = [.. entry.Value] } : null);
        }
    }

    public Task<string> SaveAsync(string key, byte[] value, string? etag = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(Apply(StateOperation.Upsert(key, value, etag))!);
        }
    }

    public Task DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Apply(StateOperation.Delete(key, etag));
        }

        return Task.CompletedTask;
    }

    public Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            foreach (var operation in operations)
            {
                CheckETag(operation);
            }

            foreach (var operation in operations)
            {
                Apply(operation);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<string> keys = [.. _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))];
            return Task.FromResult(keys);
        }
    }

    private void CheckETag(StateOperation operation)
    {
        if (operation.ETag is null)
        {
            return;
        }

        if (!_entries.TryGetValue(operation.Key, out var current) || current.ETag != operation.ETag)
        {
            throw new StateConcurrencyException(operation.Key);
        }
    }

    private string? Apply(StateOperation operation)
    {
        CheckETag(operation);
        if (operation.Value is null)
        {
            _entries.Remove(operation.Key);
            return null;
        }

        var etag = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _entries[operation.Key] = new StateEntry(operation.Key, [.. operation.Value], etag);
        return etag;
    }
}
