using System.Text.Json;
using global::Dapr;
using global::Dapr.Client;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.StateStore;

namespace Platform.BuildingBlocks.Dapr;

/// <summary>
/// <see cref="IStateStore"/> on a Dapr state store (<c>state.postgresql</c> v2 in <c>components/</c>).
/// <para>
/// Listing: the PostgreSQL v2 store does not offer Dapr's state query API, so this adapter keeps a key index per key
/// namespace (the part of a key before the first '|') under the reserved key <c>__index|{namespace}</c>, and writes it in
/// the same Dapr transaction as the keys it lists. Index writes are guarded by the index's ETag (or, for a new index,
/// insert-only first-write), so concurrent writers retry instead of losing keys; writes within one namespace therefore
/// serialise on its index.
/// </para>
/// </summary>
public sealed class DaprStateStore(DaprClient dapr, IOptions<DaprOptions> options) : IStateStore
{
    /// <summary>Keys starting with this are the adapter's own; callers cannot use them.</summary>
    public const string ReservedPrefix = "__index|";

    private const int MaxIndexAttempts = 50;
    private static readonly StateOptions ETagGuarded = new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };
    private static readonly StateOptions Unconditional = new() { Concurrency = ConcurrencyMode.LastWrite, Consistency = ConsistencyMode.Strong };

    private readonly string _store = options.Value.StateStoreName;

    public async Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        var (value, etag) = await dapr.GetByteStateAndETagAsync(_store, key, ConsistencyMode.Strong, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        // Dapr answers a missing key with empty data and no ETag.
        return string.IsNullOrEmpty(etag) ? null : new StateEntry(key, value.ToArray(), etag);
    }

    public async Task<string> SaveAsync(string key, byte[] value, string? etag = null, CancellationToken cancellationToken = default)
    {
        await ExecuteTransactionAsync([StateOperation.Upsert(key, value, etag)], cancellationToken).ConfigureAwait(false);
        // Dapr's save and transaction calls do not return the new ETag, so read it back.
        var saved = await GetAsync(key, cancellationToken).ConfigureAwait(false);
        return saved?.ETag ?? throw new StateConcurrencyException(key);
    }

    public Task DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default) =>
        ExecuteTransactionAsync([StateOperation.Delete(key, etag)], cancellationToken);

    public async Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0)
        {
            return;
        }

        foreach (var operation in operations)
        {
            CheckKey(operation.Key);
        }

        for (var attempt = 1; ; attempt++)
        {
            var indexes = await ReadIndexesAsync(operations.Select(o => Namespace(o.Key)).Distinct(), cancellationToken).ConfigureAwait(false);
            var requests = new List<StateTransactionRequest>(operations.Count + indexes.Count);
            foreach (var operation in operations)
            {
                requests.Add(ToRequest(operation));
                var index = indexes[Namespace(operation.Key)];
                if (operation.Value is null)
                {
                    index.Keys.Remove(operation.Key);
                }
                else
                {
                    index.Keys.Add(operation.Key);
                }
            }

            requests.AddRange(indexes.Values.Select(IndexWrite));
            try
            {
                await dapr.ExecuteStateTransactionAsync(_store, requests, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (IsETagMismatch(exception))
            {
                // Either a caller's ETag is stale (their conflict) or an index moved under us (ours: retry).
                await ThrowIfCallerETagStaleAsync(operations, cancellationToken).ConfigureAwait(false);
                if (attempt >= MaxIndexAttempts)
                {
                    throw new StateConcurrencyException(ReservedPrefix + string.Join(',', indexes.Keys));
                }

                await Task.Delay(Random.Shared.Next(1, 5 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        IEnumerable<string> namespaces;
        var separator = prefix.IndexOf('|', StringComparison.Ordinal);
        if (separator >= 0)
        {
            namespaces = [prefix[..separator]];
        }
        else
        {
            var all = await ReadIndexesAsync([RootNamespace], cancellationToken).ConfigureAwait(false);
            namespaces = all[RootNamespace].Keys
                .Where(k => k.StartsWith(ReservedPrefix, StringComparison.Ordinal))
                .Select(k => k[ReservedPrefix.Length..])
                .Where(ns => ns.StartsWith(prefix, StringComparison.Ordinal))
                .Append(RootNamespace);
        }

        var indexes = await ReadIndexesAsync(namespaces.Distinct(), cancellationToken).ConfigureAwait(false);
        return [.. indexes.Values
            .SelectMany(i => i.Keys)
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !k.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    // Keys without '|' live in the root namespace, whose index also lists the other indexes (for prefixes without '|').
    private const string RootNamespace = "";

    private static string Namespace(string key)
    {
        var separator = key.IndexOf('|', StringComparison.Ordinal);
        return separator < 0 ? RootNamespace : key[..separator];
    }

    private async Task<Dictionary<string, KeyIndex>> ReadIndexesAsync(IEnumerable<string> namespaces, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, KeyIndex>(StringComparer.Ordinal);
        foreach (var ns in namespaces)
        {
            var (value, etag) = await dapr.GetByteStateAndETagAsync(_store, ReservedPrefix + ns, ConsistencyMode.Strong, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            var keys = string.IsNullOrEmpty(etag) ? [] : JsonSerializer.Deserialize<string[]>(value.Span) ?? [];
            result[ns] = new KeyIndex(ns, new SortedSet<string>(keys, StringComparer.Ordinal), string.IsNullOrEmpty(etag) ? null : etag);
        }

        // A new namespace index must itself be listed in the root index, in the same transaction.
        if (result.Values.Any(i => i.ETag is null && i.Namespace != RootNamespace) && !result.ContainsKey(RootNamespace))
        {
            var root = await ReadIndexesAsync([RootNamespace], cancellationToken).ConfigureAwait(false);
            result[RootNamespace] = root[RootNamespace];
        }

        foreach (var index in result.Values.Where(i => i.ETag is null && i.Namespace != RootNamespace))
        {
            result[RootNamespace].Keys.Add(ReservedPrefix + index.Namespace);
        }

        return result;
    }

    private StateTransactionRequest IndexWrite(KeyIndex index) => new(
        ReservedPrefix + index.Namespace,
        JsonSerializer.SerializeToUtf8Bytes(index.Keys),
        StateOperationType.Upsert,
        index.ETag, // null with first-write: insert only, so two writers cannot both create the index.
        options: ETagGuarded);

    private static StateTransactionRequest ToRequest(StateOperation operation) => new(
        operation.Key,
        operation.Value,
        operation.Value is null ? StateOperationType.Delete : StateOperationType.Upsert,
        operation.ETag,
        options: operation.ETag is null ? Unconditional : ETagGuarded);

    private async Task ThrowIfCallerETagStaleAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken)
    {
        foreach (var operation in operations.Where(o => o.ETag is not null))
        {
            var current = await GetAsync(operation.Key, cancellationToken).ConfigureAwait(false);
            if (current?.ETag != operation.ETag)
            {
                throw new StateConcurrencyException(operation.Key);
            }
        }
    }

    private static bool IsETagMismatch(Exception exception) => exception switch
    {
        // The sidecar reports ETag mismatches as gRPC Aborted (ERR_STATE_SAVE / ERR_STATE_TRANSACTION with an etag error).
        RpcException rpc => rpc.StatusCode == StatusCode.Aborted,
        DaprException { InnerException: { } inner } => IsETagMismatch(inner),
        _ => false,
    };

    private static void CheckKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.StartsWith(ReservedPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"State key '{key}' uses the reserved prefix '{ReservedPrefix}'.", nameof(key));
        }
    }

    private sealed record KeyIndex(string Namespace, SortedSet<string> Keys, string? ETag);
}
