using System.Security.Cryptography;
using System.Text.Json;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.StateStore;

namespace Platform.BuildingBlocks.Registry;

/// <summary>Where a model version came from: enough to reproduce or audit it.</summary>
public sealed record ModelLineage(
    string DataHash,
    IReadOnlyDictionary<string, string> Parameters,
    string CodeVersion,
    string? TrainingManifestArtifactId = null,
    string? WorkflowInstanceId = null);

/// <summary>An immutable registered version of a model.</summary>
public sealed record ModelVersion(
    string ModelName,
    int Version,
    string ArtifactId,
    string Sha256,
    long SizeBytes,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, double> Metrics,
    ModelLineage Lineage,
    JsonElement? FeatureSchema = null,
    string? ReportArtifactId = null);

/// <summary>Raised when a model, version or alias the caller named does not exist.</summary>
public sealed class ModelNotFoundException(string message) : Exception(message);

/// <summary>
/// Versions are immutable (artifact + metadata written once); aliases such as <c>champion</c> and <c>challenger</c> are
/// the only thing that moves, so a rollback is an alias move. Metadata lives in the state-store port, files in the artifact port.
/// </summary>
public sealed class ModelRegistry(IStateStore state, IArtifactStore artifacts, TimeProvider time)
{
    public const string Champion = "champion";
    public const string Challenger = "challenger";

    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public async Task<ModelVersion> RegisterAsync(
        string modelName,
        Stream modelFile,
        IReadOnlyDictionary<string, double> metrics,
        ModelLineage lineage,
        JsonElement? featureSchema = null,
        string? reportArtifactId = null,
        CancellationToken cancellationToken = default)
    {
        ValidateName(modelName);
        var version = await NextVersionAsync(modelName, cancellationToken).ConfigureAwait(false);
        var artifactId = $"models/{modelName}/{version}/model.bin";

        using var buffer = new MemoryStream();
        await modelFile.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        buffer.Position = 0;
        await artifacts.PutAsync(artifactId, buffer, cancellationToken).ConfigureAwait(false);

        var registered = new ModelVersion(modelName, version, artifactId, sha256, buffer.Length, time.GetUtcNow(), metrics, lineage, featureSchema, reportArtifactId);
        await state.SaveJsonAsync(VersionKey(modelName, version), registered, options: Json, cancellationToken: cancellationToken).ConfigureAwait(false);
        return registered;
    }

    public async Task<ModelVersion?> GetVersionAsync(string modelName, int version, CancellationToken cancellationToken = default)
    {
        var (value, _) = await state.GetJsonAsync<ModelVersion>(VersionKey(modelName, version), Json, cancellationToken).ConfigureAwait(false);
        return value;
    }

    public async Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string modelName, CancellationToken cancellationToken = default)
    {
        var keys = await state.ListKeysAsync($"registry|{modelName}|versions|", cancellationToken).ConfigureAwait(false);
        var versions = new List<ModelVersion>(keys.Count);
        foreach (var key in keys)
        {
            var (value, _) = await state.GetJsonAsync<ModelVersion>(key, Json, cancellationToken).ConfigureAwait(false);
            if (value is not null)
            {
                versions.Add(value);
            }
        }

        return versions;
    }

    public async Task<IReadOnlyDictionary<string, int>> GetAliasesAsync(string modelName, CancellationToken cancellationToken = default)
    {
        var (aliases, _) = await state.GetJsonAsync<Dictionary<string, int>>(AliasesKey(modelName), Json, cancellationToken).ConfigureAwait(false);
        return aliases ?? [];
    }

    /// <summary>The version an alias points at, or null when the alias is not set.</summary>
    public async Task<ModelVersion?> ResolveAsync(string modelName, string alias, CancellationToken cancellationToken = default)
    {
        var aliases = await GetAliasesAsync(modelName, cancellationToken).ConfigureAwait(false);
        return aliases.TryGetValue(alias, out var version) ? await GetVersionAsync(modelName, version, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>Points <paramref name="alias"/> at an existing version (promotion or rollback).</summary>
    public async Task<ModelVersion> SetAliasAsync(string modelName, string alias, int version, CancellationToken cancellationToken = default)
    {
        ValidateName(alias);
        var target = await GetVersionAsync(modelName, version, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelNotFoundException($"Model '{modelName}' has no version {version}.");
        while (true)
        {
            var (aliases, etag) = await state.GetJsonAsync<Dictionary<string, int>>(AliasesKey(modelName), Json, cancellationToken).ConfigureAwait(false);
            aliases ??= [];
            aliases[alias] = version;
            try
            {
                await state.SaveJsonAsync(AliasesKey(modelName), aliases, etag, Json, cancellationToken).ConfigureAwait(false);
                return target;
            }
            catch (StateConcurrencyException)
            {
                // Someone moved another alias at the same moment: re-read and apply ours on top.
            }
        }
    }

    /// <summary>Opens a version's file after checking it against the hash recorded at registration.</summary>
    public async Task<byte[]> ReadModelFileAsync(ModelVersion version, CancellationToken cancellationToken = default)
    {
        await using var stream = await artifacts.OpenReadAsync(version.ArtifactId, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var bytes = buffer.ToArray();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha256 != version.Sha256)
        {
            throw new InvalidDataException($"Artifact {version.ArtifactId} of {version.ModelName} v{version.Version} is corrupt (hash mismatch).");
        }

        return bytes;
    }

    private async Task<int> NextVersionAsync(string modelName, CancellationToken cancellationToken)
    {
        var key = $"registry|{modelName}|next-version";
        while (true)
        {
            var (next, etag) = await state.GetJsonAsync<int?>(key, Json, cancellationToken).ConfigureAwait(false);
            var version = next ?? 1;
            try
            {
                await state.SaveJsonAsync<int?>(key, version + 1, etag, Json, cancellationToken).ConfigureAwait(false);
                return version;
            }
            catch (StateConcurrencyException)
            {
                // Another trainer took this number; take the next.
            }
        }
    }

    private static string VersionKey(string modelName, int version) => $"registry|{modelName}|versions|{version:D8}";

    private static string AliasesKey(string modelName) => $"registry|{modelName}|aliases";

    private static void ValidateName(string name)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9][a-z0-9-]{0,62}$"))
        {
            throw new ArgumentException($"'{name}' is not a valid name (lower-case letters, digits and '-').", nameof(name));
        }
    }
}
