using System.Text.RegularExpressions;

namespace Platform.BuildingBlocks.Artifacts;

/// <summary>Artifacts as files under one root folder; writes go to a temporary file first so readers never see half a file.</summary>
public sealed class FileSystemArtifactStore : IArtifactStore
{
    private readonly string _root;

    public FileSystemArtifactStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public async Task PutAsync(string id, Stream content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(id);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = File.Create(temporary))
            {
                await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public Task<Stream> OpenReadAsync(string id, CancellationToken cancellationToken = default)
    {
        var path = PathOf(id);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Artifact '{id}' does not exist.", id);
        }

        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true));
    }

    public Task<bool> ExistsAsync(string id, CancellationToken cancellationToken = default) => Task.FromResult(File.Exists(PathOf(id)));

    public Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        File.Delete(PathOf(id));
        return Task.CompletedTask;
    }

    private string PathOf(string id)
    {
        ArtifactIds.Validate(id);
        return Path.Combine(_root, id);
    }
}

public static partial class ArtifactIds
{
    /// <summary>Rejects ids that could escape the store's root or collide with temporary files.</summary>
    public static void Validate(string id)
    {
        if (!ValidId().IsMatch(id) || id.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new ArgumentException($"'{id}' is not a valid artifact id (letters, digits, '-', '_', '.', '/' segments).", nameof(id));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._/-]{1,256}$")]
    private static partial Regex ValidId();
}
