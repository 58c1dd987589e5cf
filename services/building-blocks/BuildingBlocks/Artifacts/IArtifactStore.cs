namespace Platform.BuildingBlocks.Artifacts;

/// <summary>
/// Large immutable blobs (model files, reports, dataset snapshots), addressed by id so workflows and the registry pass
/// references, never payloads. Ids are relative paths of letters, digits, '-', '_', '.', '/'.
/// </summary>
public interface IArtifactStore
{
    Task PutAsync(string id, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Opens the artifact for reading; throws <see cref="FileNotFoundException"/> when it does not exist.</summary>
    Task<Stream> OpenReadAsync(string id, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string id, CancellationToken cancellationToken = default);

    Task DeleteAsync(string id, CancellationToken cancellationToken = default);
}
