using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Platform.Dapr.Tests.FakeSidecar;

/// <summary>
/// The Dapr runtime API as the adapters use it: one transactional state store with first-write ETag semantics, pub/sub
/// delivering CloudEvents to the app's subscriptions, and a <c>bindings.localstorage</c> output binding over a folder.
/// Error codes and messages follow daprd's (ETag mismatch: Aborted; unknown component: InvalidArgument).
/// </summary>
public sealed class FakeDaprRuntime(FakeSidecarState state, SubscriptionDelivery delivery) : DaprRuntimeBase
{
    public override Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context)
    {
        state.Authorize(context);
        var store = state.Store(request.StoreName);
        lock (store)
        {
            return Task.FromResult(store.TryGetValue(request.Key, out var item)
                ? new GetStateResponse { Data = item.Value, Etag = item.ETag }
                : new GetStateResponse());
        }
    }

    public override Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context)
    {
        state.Authorize(context);
        var operations = request.States.Select(s => new TransactionalStateOperation { OperationType = "upsert", Request = s });
        Apply(request.StoreName, operations, "failed saving state in state store");
        return Task.FromResult(new Empty());
    }

    public override Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context)
    {
        state.Authorize(context);
        var item = new StateItem { Key = request.Key, Etag = request.Etag, Options = request.Options };
        Apply(request.StoreName, [new TransactionalStateOperation { OperationType = "delete", Request = item }], "failed deleting state with key");
        return Task.FromResult(new Empty());
    }

    public override Task<Empty> ExecuteStateTransaction(ExecuteStateTransactionRequest request, ServerCallContext context)
    {
        state.Authorize(context);
        Apply(request.StoreName, request.Operations, "error while executing state transaction");
        return Task.FromResult(new Empty());
    }

    public override Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context)
    {
        state.Authorize(context);
        if (request.PubsubName != state.Options.PubSubName)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"pubsub {request.PubsubName} not found"));
        }

        delivery.Enqueue(ToCloudEvent(request));
        return Task.FromResult(new Empty());
    }

    public override async Task<InvokeBindingResponse> InvokeBinding(InvokeBindingRequest request, ServerCallContext context)
    {
        state.Authorize(context);
        if (request.Name != state.Options.ArtifactBindingName)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"couldn't find output binding {request.Name}"));
        }

        try
        {
            return await LocalStorage(request, context.CancellationToken);
        }
        catch (IOException exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            // daprd wraps the binding's Go error: "open <path>: no such file or directory".
            throw new RpcException(new Status(StatusCode.Internal,
                $"error invoking output binding {request.Name}: open {request.Metadata.GetValueOrDefault("fileName")}: no such file or directory"));
        }
    }

    private void Apply(string storeName, IEnumerable<TransactionalStateOperation> operations, string errorPrefix)
    {
        var store = state.Store(storeName);
        var list = operations.ToList();
        lock (store)
        {
            foreach (var operation in list)
            {
                if (operation.OperationType is not ("upsert" or "delete"))
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"operation type {operation.OperationType} not supported"));
                }

                var item = operation.Request;
                store.TryGetValue(item.Key, out var current);
                var etag = item.Etag?.Value;
                var firstWrite = item.Options?.Concurrency == StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite;
                // With an ETag it must be current; first-write without an ETag means "insert only" (state.postgresql v2 does the same).
                var mismatch = !string.IsNullOrEmpty(etag)
                    ? current is null || current.ETag != etag
                    : firstWrite && operation.OperationType == "upsert" && current is not null;
                if (mismatch)
                {
                    throw new RpcException(new Status(StatusCode.Aborted,
                        $"{errorPrefix} {storeName}: possible etag mismatch. error from state store: ETag mismatch for key {item.Key}"));
                }
            }

            foreach (var operation in list)
            {
                var item = operation.Request;
                if (operation.OperationType == "delete")
                {
                    store.Remove(item.Key);
                }
                else
                {
                    store[item.Key] = new StoredItem(item.Value, state.NextETag());
                }
            }
        }
    }

    private JsonObject ToCloudEvent(PublishEventRequest request)
    {
        var metadata = request.Metadata;
        var contentType = string.IsNullOrEmpty(request.DataContentType) ? "application/json" : request.DataContentType;
        JsonNode? data = contentType.Contains("json", StringComparison.OrdinalIgnoreCase)
            ? JsonNode.Parse(request.Data.Span)
            : JsonValue.Create(Encoding.UTF8.GetString(request.Data.Span));
        return new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = metadata.GetValueOrDefault("cloudevent.id") ?? Guid.NewGuid().ToString(),
            ["source"] = metadata.GetValueOrDefault("cloudevent.source") ?? state.Options.AppId,
            ["type"] = metadata.GetValueOrDefault("cloudevent.type") ?? "com.dapr.event.sent",
            ["topic"] = request.Topic,
            ["pubsubname"] = request.PubsubName,
            ["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["datacontenttype"] = contentType,
            ["traceparent"] = "00-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + "-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..8]) + "-01",
            ["data"] = data,
        };
    }

    private async Task<InvokeBindingResponse> LocalStorage(InvokeBindingRequest request, CancellationToken cancellationToken)
    {
        var fileName = request.Metadata.GetValueOrDefault("fileName") ?? Guid.NewGuid().ToString();
        var path = Path.GetFullPath(Path.Combine(state.BindingRoot, fileName));
        if (!path.StartsWith(state.BindingRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.Internal, $"error invoking output binding {request.Name}: invalid file name {fileName}"));
        }

        switch (request.Operation)
        {
            case "create":
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllBytesAsync(path, DecodeCreateData(request.Data), cancellationToken);
                return new InvokeBindingResponse { Metadata = { ["fileName"] = fileName } };
            case "get":
                return new InvokeBindingResponse { Data = ByteString.CopyFrom(await File.ReadAllBytesAsync(path, cancellationToken)) };
            case "delete":
                if (!File.Exists(path))
                {
                    throw new FileNotFoundException(path);
                }

                File.Delete(path);
                return new InvokeBindingResponse();
            default:
                throw new RpcException(new Status(StatusCode.Internal, $"error invoking output binding {request.Name}: unsupported operation {request.Operation}"));
        }
    }

    // Local storage unquotes a JSON string body, then writes its base64 decoding when it is valid base64, else the text.
    private static byte[] DecodeCreateData(ByteString data)
    {
        var text = data.ToStringUtf8();
        if (text.StartsWith('"'))
        {
            text = JsonSerializer.Deserialize<string>(text) ?? string.Empty;
        }

        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : Encoding.UTF8.GetBytes(text);
    }
}
