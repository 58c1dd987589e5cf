using System.Security.Cryptography;
using System.Text.Json;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.StateStore;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Registry;

/// <summary>Where a model version came from: enough to reproduce or audit it.</summary>
public sealed record ModelLineage(
    string DataHash,
    IReadOnlyDictionary<string, string> Parameters,
    string CodeVersion,
    string? TrainingManifestArtifactId = null,
    string? WorkflowInstanceId = null);

/// <summary>An immutable registered version of a model, owned by one tenant.</summary>
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
    string? ReportArtifactId = null,
    string? TenantId = null);

/// <summary>Raised when a model, version or alias the caller named does not exist.</summary>
public sealed class ModelNotFoundException(string message) : Exception(message);

/// <summary>
/// Versions are immutable (artifact + metadata written once); aliases such as <c>champion</c> and <c>challenger</c> are
/// the only thing that moves, so a rollback is an alias move. Metadata lives in the state-store port, files in the artifact port.
/// Every model belongs to a tenant: version numbers, aliases, state keys (<c>registry|{tenant}|{model}|...</c>) and artifact
/// ids (<c>models/{tenant}/{model}/...</c>) are the tenant's own, so one tenant's training never touches another's champion.
/// </summary>
public sealed class ModelRegistry(IStateStore state, IArtifactStore artifacts, TimeProvider time)
{
    public const string Champion = "champion";
    public const string Challenger = "challenger";

    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public async Task<ModelVersion> RegisterAsync(
        string tenantId,
        string modelName,
        Stream modelFile,
        IReadOnlyDictionary<string, double> metrics,
        ModelLineage lineage,
        JsonElement? featureSchema = null,
        string? reportArtifactId = null,
        CancellationToken cancellationToken = default)
    {
        ValidateTenant(tenantId);
        ValidateName(modelName);
        var version = await NextVersionAsync(tenantId, modelName, cancellationToken).ConfigureAwait(false);
        var artifactId = $"models/{tenantId}/{modelName}/{version}/model.bin";

        using var buffer = new MemoryStream();
        await modelFile.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        buffer.Position = 0;
        await artifacts.PutAsync(artifactId, buffer, cancellationToken).ConfigureAwait(false);

        var registered = new ModelVersion(
            modelName, version, artifactId, sha256, buffer.Length, time.GetUtcNow(), metrics, lineage, featureSchema, reportArtifactId, tenantId);
        await state.SaveJsonAsync(VersionKey(tenantId, modelName, version), registered, options: Json, cancellationToken: cancellationToken).ConfigureAwait(false);
        return registered;
    }

    public async Task<ModelVersion?> GetVersionAsync(string tenantId, string modelName, int version, CancellationToken cancellationToken = default)
    {
        if (!IsValidKeyPart(tenantId, modelName))
        {
            return null;
        }

        var (value, _) = await state.GetJsonAsync<ModelVersion>(VersionKey(tenantId, modelName, version), Json, cancellationToken).ConfigureAwait(false);
        return value;
    }

    public async Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string tenantId, string modelName, CancellationToken cancellationToken = default)
    {
        if (!IsValidKeyPart(tenantId, modelName))
        {
            return [];
        }

        var keys = await state.ListKeysAsync($"{ModelPrefix(tenantId, modelName)}versions|", cancellationToken).ConfigureAwait(false);
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

    /// <summary>Whether the tenant has registered any version of the model.</summary>
    public async Task<bool> HasVersionsAsync(string tenantId, string modelName, CancellationToken cancellationToken = default) =>
        IsValidKeyPart(tenantId, modelName)
        && (await state.ListKeysAsync($"{ModelPrefix(tenantId, modelName)}versions|", cancellationToken).ConfigureAwait(false)).Count > 0;

    public async Task<IReadOnlyDictionary<string, int>> GetAliasesAsync(string tenantId, string modelName, CancellationToken cancellationToken = default)
    {
        if (!IsValidKeyPart(tenantId, modelName))
        {
            return new Dictionary<string, int>();
        }

        var (aliases, _) = await state.GetJsonAsync<Dictionary<string, int>>(AliasesKey(tenantId, modelName), Json, cancellationToken).ConfigureAwait(false);
        return aliases ?? [];
    }

    /// <summary>The version an alias of the tenant's model points at, or null when the alias is not set.</summary>
    public async Task<ModelVersion?> ResolveAsync(string tenantId, string modelName, string alias, CancellationToken cancellationToken = default)
    {
        var aliases = await GetAliasesAsync(tenantId, modelName, cancellationToken).ConfigureAwait(false);
        return aliases.TryGetValue(alias, out var version) ? await GetVersionAsync(tenantId, modelName, version, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>
    /// The tenants that have set any alias of <paramref name="modelName"/> (what a service preloads at start), ordered.
    /// </summary>
    public async Task<IReadOnlyList<string>> TenantsWithAliasesAsync(string modelName, CancellationToken cancellationToken = default)
    {
        var suffix = $"|{modelName}|aliases";
        var keys = await state.ListKeysAsync(KeyPrefix, cancellationToken).ConfigureAwait(false);
        return [.. keys
            .Where(key => key.EndsWith(suffix, StringComparison.Ordinal))
            .Select(key => key[KeyPrefix.Length..^suffix.Length])
            .Where(TenantScope.IsValidId)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Points <paramref name="alias"/> of the tenant's model at an existing version of it (promotion or rollback).</summary>
    public async Task<ModelVersion> SetAliasAsync(string tenantId, string modelName, string alias, int version, CancellationToken cancellationToken = default)
    {
        ValidateTenant(tenantId);
        ValidateName(alias);
        var target = await GetVersionAsync(tenantId, modelName, version, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelNotFoundException($"Model '{modelName}' of tenant '{tenantId}' has no version {version}.");
        var key = AliasesKey(tenantId, modelName);
        while (true)
        {
            var (aliases, etag) = await state.GetJsonAsync<Dictionary<string, int>>(key, Json, cancellationToken).ConfigureAwait(false);
            aliases ??= [];
            aliases[alias] = version;
            try
            {
                await state.SaveJsonAsync(key, aliases, etag, Json, cancellationToken).ConfigureAwait(false);
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

    private async Task<int> NextVersionAsync(string tenantId, string modelName, CancellationToken cancellationToken)
    {
        var key = $"{ModelPrefix(tenantId, modelName)}next-version";
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

    private const string KeyPrefix = "registry|";

    private static string ModelPrefix(string tenantId, string modelName) => $"{KeyPrefix}{tenantId}|{modelName}|";

    private static string VersionKey(string tenantId, string modelName, int version) => $"{ModelPrefix(tenantId, modelName)}versions|{version:D8}";

    private static string AliasesKey(string tenantId, string modelName) => $"{ModelPrefix(tenantId, modelName)}aliases";

    /// <summary>Reads never throw on a malformed name: such a model simply does not exist (the key could not be built safely).</summary>
    private static bool IsValidKeyPart(string tenantId, string modelName) =>
        TenantScope.IsValidId(tenantId) && System.Text.RegularExpressions.Regex.IsMatch(modelName, ModelNames.Pattern);

    private static void ValidateTenant(string tenantId)
    {
        if (!TenantScope.IsValidId(tenantId))
        {
            throw new ArgumentException($"'{tenantId}' is not a valid tenant id (1-64 letters, digits, '_' or '-').", nameof(tenantId));
        }
    }

    private static void ValidateName(string name)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9][a-z0-9-]{0,62}$"))
        {
            throw new ArgumentException($"'{name}' is not a valid name (lower-case letters, digits and '-').", nameof(name));
        }
    }
}
