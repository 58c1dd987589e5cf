using System.Text;
using Platform.BuildingBlocks.StateStore;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>
/// Wraps a store and freezes the first write whose value contains a marker, as if the process died just before it:
/// the write never reaches the store and the caller hangs until cancelled.
/// </summary>
public sealed class CrashingStateStore(IStateStore inner, string marker) : IStateStore
{
    private int _tripped;

    public TaskCompletionSource Frozen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

    public async Task<string> SaveAsync(string key, byte[] value, string? etag = null, CancellationToken cancellationToken = default)
    {
        await FreezeIfMarkedAsync(value, cancellationToken);
        return await inner.SaveAsync(key, value, etag, cancellationToken);
    }

    public Task DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, etag, cancellationToken);

    public async Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken = default)
    {
        foreach (var operation in operations)
        {
            await FreezeIfMarkedAsync(operation.Value, cancellationToken);
        }

        await inner.ExecuteTransactionAsync(operations, cancellationToken);
    }

    public Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListKeysAsync(prefix, cancellationToken);

    private async Task FreezeIfMarkedAsync(byte[]? value, CancellationToken cancellationToken)
    {
        if (value is not null && Encoding.UTF8.GetString(value).Contains(marker, StringComparison.Ordinal) && Interlocked.Exchange(ref _tripped, 1) == 0)
        {
            Frozen.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}
