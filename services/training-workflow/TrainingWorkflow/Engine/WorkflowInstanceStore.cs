using System.Collections.Concurrent;
using System.Text.Json;
using Platform.BuildingBlocks.StateStore;

namespace Platform.TrainingWorkflow.Engine;

/// <summary>
/// Instances on the state-store port. Per instance three keys: the record (metadata, history, inbox; every write
/// ETag-guarded), the lease (who runs it), and an "active" marker listing it for recovery scans until it ends.
/// </summary>
public sealed class WorkflowInstanceStore(IStateStore store, TimeProvider timeProvider)
{
    private const string InstancePrefix = "workflow|instance|";
    private const string LeasePrefix = "workflow|lease|";
    private const string ActivePrefix = "workflow|active|";

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _changeSignals = new(StringComparer.Ordinal);

    public TimeProvider TimeProvider => timeProvider;

    public async Task<(WorkflowInstanceRecord? Record, string? ETag)> LoadAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var entry = await store.GetAsync(InstancePrefix + instanceId, cancellationToken).ConfigureAwait(false);
        return entry is null ? (null, null) : (Deserialize<WorkflowInstanceRecord>(entry), entry.ETag);
    }

    /// <summary>
    /// Creates the instance unless one with that id exists. Returns the stored record and whether this call created it.
    /// The port has no insert-if-absent, so a concurrent creator is detected by reading back the creation nonce.
    /// </summary>
    public async Task<(WorkflowInstanceRecord Record, bool Created)> CreateAsync(WorkflowInstanceRecord record, CancellationToken cancellationToken = default)
    {
        var (existing, _) = await LoadAsync(record.InstanceId, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return (existing, false);
        }

        await store.ExecuteTransactionAsync(
            [
                StateOperation.Upsert(InstancePrefix + record.InstanceId, Serialize(record)),
                StateOperation.Upsert(LeasePrefix + record.InstanceId, Serialize(new WorkflowLease("", DateTimeOffset.MinValue))),
                StateOperation.Upsert(ActivePrefix + record.InstanceId, [1]),
            ],
            cancellationToken).ConfigureAwait(false);
        var (stored, _) = await LoadAsync(record.InstanceId, cancellationToken).ConfigureAwait(false);
        Notify(record.InstanceId);
        return stored is null ? (record, true) : (stored, stored.CreationNonce == record.CreationNonce);
    }

    /// <summary>Writes the record if <paramref name="etag"/> is current; a record that ended leaves the recovery list.</summary>
    public async Task SaveAsync(WorkflowInstanceRecord record, string etag, CancellationToken cancellationToken = default)
    {
        record.LastUpdatedAt = timeProvider.GetUtcNow();
        List<StateOperation> operations = [StateOperation.Upsert(InstancePrefix + record.InstanceId, Serialize(record), etag)];
        if (record.IsTerminal)
        {
            operations.Add(StateOperation.Delete(ActivePrefix + record.InstanceId));
        }

        await store.ExecuteTransactionAsync(operations, cancellationToken).ConfigureAwait(false);
        Notify(record.InstanceId);
    }

    /// <summary>
    /// Read-modify-write with retry on ETag conflicts. <paramref name="mutate"/> returns false to write nothing.
    /// Returns the record as last seen (null when the instance does not exist).
    /// </summary>
    public async Task<WorkflowInstanceRecord?> UpdateAsync(
        string instanceId, Func<WorkflowInstanceRecord, bool> mutate, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var (record, etag) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
            if (record is null || !mutate(record))
            {
                return record;
            }

            try
            {
                await SaveAsync(record, etag!, cancellationToken).ConfigureAwait(false);
                return record;
            }
            catch (StateConcurrencyException)
            {
                // Someone else wrote in between: re-read and apply the change again.
            }
        }
    }

    public async Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var entry = await store.GetAsync(InstancePrefix + instanceId, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return false;
        }

        await store.ExecuteTransactionAsync(
            [
                StateOperation.Delete(InstancePrefix + instanceId, entry.ETag),
                StateOperation.Delete(LeasePrefix + instanceId),
                StateOperation.Delete(ActivePrefix + instanceId),
            ],
            cancellationToken).ConfigureAwait(false);
        Notify(instanceId);
        return true;
    }

    public async Task<IReadOnlyList<string>> ListInstanceIdsAsync(CancellationToken cancellationToken = default) =>
        StripPrefix(await store.ListKeysAsync(InstancePrefix, cancellationToken).ConfigureAwait(false), InstancePrefix);

    /// <summary>Instances that have not ended: what a starting host must resume.</summary>
    public async Task<IReadOnlyList<string>> ListActiveInstanceIdsAsync(CancellationToken cancellationToken = default) =>
        StripPrefix(await store.ListKeysAsync(ActivePrefix, cancellationToken).ConfigureAwait(false), ActivePrefix);

    /// <summary>Takes the lease when it is free, expired or already ours. Returns its ETag, or null when another host holds it.</summary>
    public async Task<string?> TryAcquireLeaseAsync(string instanceId, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var entry = await store.GetAsync(LeasePrefix + instanceId, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return null;
        }

        var lease = Deserialize<WorkflowLease>(entry);
        var now = timeProvider.GetUtcNow();
        if (lease.Owner.Length > 0 && lease.Owner != owner && lease.ExpiresAt > now)
        {
            return null;
        }

        return await WriteLeaseAsync(instanceId, new WorkflowLease(owner, now + duration), entry.ETag, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Extends a held lease. Null when it was lost (another host took it after it expired).</summary>
    public Task<string?> RenewLeaseAsync(string instanceId, string owner, string etag, TimeSpan duration, CancellationToken cancellationToken = default) =>
        WriteLeaseAsync(instanceId, new WorkflowLease(owner, timeProvider.GetUtcNow() + duration), etag, cancellationToken);

    public Task<string?> ReleaseLeaseAsync(string instanceId, string etag, CancellationToken cancellationToken = default) =>
        WriteLeaseAsync(instanceId, new WorkflowLease("", DateTimeOffset.MinValue), etag, cancellationToken);

    /// <summary>Completes at the next write to the instance made through this store (in this process).</summary>
    public Task WaitForChangeAsync(string instanceId) =>
        _changeSignals.GetOrAdd(instanceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private async Task<string?> WriteLeaseAsync(string instanceId, WorkflowLease lease, string etag, CancellationToken cancellationToken)
    {
        try
        {
            return await store.SaveAsync(LeasePrefix + instanceId, Serialize(lease), etag, cancellationToken).ConfigureAwait(false);
        }
        catch (StateConcurrencyException)
        {
            return null;
        }
    }

    private void Notify(string instanceId)
    {
        if (_changeSignals.TryRemove(instanceId, out var signal))
        {
            signal.TrySetResult();
        }
    }

    private static IReadOnlyList<string> StripPrefix(IReadOnlyList<string> keys, string prefix) =>
        [.. keys.Select(key => key[prefix.Length..])];

    private static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, WorkflowJson.Options);

    private static T Deserialize<T>(StateEntry entry) =>
        JsonSerializer.Deserialize<T>(entry.Value, WorkflowJson.Options)
        ?? throw new InvalidDataException($"State entry '{entry.Key}' holds no value.");
}
