using System.Text.Json;
using Platform.BuildingBlocks.Artifacts;

namespace Platform.TrainingWorkflow.Pipelines.Shared;

/// <summary>JSON documents (manifests, prepared datasets) kept in the artifact store.</summary>
public static class ArtifactJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task WriteAsync<T>(IArtifactStore artifacts, string id, T value, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await JsonSerializer.SerializeAsync(buffer, value, Options, cancellationToken).ConfigureAwait(false);
        buffer.Position = 0;
        await artifacts.PutAsync(id, buffer, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<T> ReadAsync<T>(IArtifactStore artifacts, string id, CancellationToken cancellationToken)
    {
        await using var stream = await artifacts.OpenReadAsync(id, cancellationToken).ConfigureAwait(false);
        return await JsonSerializer.DeserializeAsync<T>(stream, Options, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"Artifact '{id}' is empty.");
    }

    public static async Task<byte[]> ReadBytesAsync(IArtifactStore artifacts, string id, CancellationToken cancellationToken)
    {
        await using var stream = await artifacts.OpenReadAsync(id, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
