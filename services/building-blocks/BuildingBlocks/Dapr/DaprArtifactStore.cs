using System.Text.Json;
using global::Dapr;
using global::Dapr.Client;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Artifacts;

namespace Platform.BuildingBlocks.Dapr;

/// <summary>
/// <see cref="IArtifactStore"/> on a Dapr output binding with the <c>bindings.localstorage</c> operations
/// (<c>create</c>, <c>get</c>, <c>delete</c>, metadata <c>fileName</c>). Content goes base64-encoded as a JSON string, which
/// local storage decodes before writing, so binary model files survive the JSON request body. Bindings carry whole
/// payloads in memory: fine for model files of a few MB, not for multi-GB snapshots.
/// </summary>
public sealed class DaprArtifactStore(DaprClient dapr, IOptions<DaprOptions> options) : IArtifactStore
{
    private readonly string _binding = options.Value.ArtifactBindingName;

    public async Task PutAsync(string id, Stream content, CancellationToken cancellationToken = default)
    {
        ArtifactIds.Validate(id);
        ArgumentNullException.ThrowIfNull(content);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var data = JsonSerializer.SerializeToUtf8Bytes(Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length));
        await InvokeAsync(id, "create", data, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Stream> OpenReadAsync(string id, CancellationToken cancellationToken = default)
    {
        ArtifactIds.Validate(id);
        try
        {
            var response = await InvokeAsync(id, "get", ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            return new MemoryStream(response.Data.ToArray(), writable: false);
        }
        catch (Exception exception) when (IsFileNotFound(exception))
        {
            throw new FileNotFoundException($"Artifact '{id}' does not exist.", id, exception);
        }
    }

    public async Task<bool> ExistsAsync(string id, CancellationToken cancellationToken = default)
    {
        // Local storage has no "exists" operation; a get is the only per-file probe it offers.
        try
        {
            await using var _ = await OpenReadAsync(id, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArtifactIds.Validate(id);
        try
        {
            await InvokeAsync(id, "delete", ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsFileNotFound(exception))
        {
            // Deleting a missing artifact is not an error, as in the other adapters.
        }
    }

    private Task<BindingResponse> InvokeAsync(string id, string operation, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var request = new BindingRequest(_binding, operation) { Data = data };
        request.Metadata["fileName"] = id; // bindings.localstorage
        request.Metadata["key"] = id; // bindings.aws.s3 (S3-compatible storage in production), which ignores fileName
        return dapr.InvokeBindingAsync(request, cancellationToken);
    }

    // Bindings report errors as text: local storage the Go error of os.Open ("no such file or directory"), S3 "NoSuchKey".
    private static bool IsFileNotFound(Exception exception) => exception switch
    {
        RpcException rpc => MeansNotFound(rpc.Status.Detail),
        DaprException dapr => MeansNotFound(dapr.Message) || (dapr.InnerException is not null && IsFileNotFound(dapr.InnerException)),
        _ => false,
    };

    private static bool MeansNotFound(string message) =>
        message.Contains("no such file", StringComparison.OrdinalIgnoreCase) || message.Contains("NoSuchKey", StringComparison.Ordinal);
}
