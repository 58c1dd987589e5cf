using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;

namespace Platform.Dapr.Tests.FakeSidecar;

/// <summary>What the fake sidecar is configured with; the names match <see cref="Platform.BuildingBlocks.Dapr.DaprOptions"/>'s defaults.</summary>
public sealed record FakeSidecarOptions
{
    public string AppId { get; init; } = "test-app";
    public string StateStoreName { get; init; } = "statestore";
    public string PubSubName { get; init; } = "pubsub";
    public string ArtifactBindingName { get; init; } = "artifacts";

    /// <summary>When set, every call from the app must carry it in <c>dapr-api-token</c> (daprd with DAPR_API_TOKEN).</summary>
    public string? DaprApiToken { get; init; }

    /// <summary>When set, sent in <c>dapr-api-token</c> on every call into the app (daprd with APP_API_TOKEN).</summary>
    public string? AppApiToken { get; init; }

    /// <summary>Deliveries of one event before it is dead-lettered (a resiliency retry policy in real Dapr).</summary>
    public int MaxDeliveryAttempts { get; init; } = 4;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(20);
}

public sealed record StoredItem(ByteString Value, string ETag);

/// <summary>The sidecar's component state: state stores, the binding's folder, the token check.</summary>
public sealed class FakeSidecarState(FakeSidecarOptions options, string bindingRoot)
{
    private readonly ConcurrentDictionary<string, Dictionary<string, StoredItem>> _stores = new(StringComparer.Ordinal);
    private long _etag;

    public FakeSidecarOptions Options { get; } = options;

    public string BindingRoot { get; } = bindingRoot;

    /// <summary>Number of state keys, all stores together (lets tests see the adapter's own index keys).</summary>
    public IReadOnlyList<string> Keys(string storeName)
    {
        var store = Store(storeName);
        lock (store)
        {
            return [.. store.Keys.Order(StringComparer.Ordinal)];
        }
    }

    public Dictionary<string, StoredItem> Store(string name)
    {
        if (name != Options.StateStoreName)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"state store {name} is not found"));
        }

        return _stores.GetOrAdd(name, _ => new Dictionary<string, StoredItem>(StringComparer.Ordinal));
    }

    public string NextETag() => Interlocked.Increment(ref _etag).ToString(CultureInfo.InvariantCulture);

    public void Authorize(ServerCallContext context)
    {
        if (Options.DaprApiToken is null)
        {
            return;
        }

        var presented = context.RequestHeaders.GetValue("dapr-api-token");
        if (presented != Options.DaprApiToken)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "authentication error: api token mismatch"));
        }
    }
}
