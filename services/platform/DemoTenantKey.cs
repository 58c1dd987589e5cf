using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Auth;

namespace Platform.Host;

/// <summary>
/// The main job's demo tenant key: at start-up (after the migrations) it keeps a working key for the demo tenant in
/// <c>.platform/demo-tenant-key</c>, readable by its owner only, so the CLI verbs, the lab and a person at the dashboard have a
/// credential. Only the file's path is logged, never the key. A key that no longer verifies (revoked, expired, other database) is
/// replaced.
/// </summary>
public sealed class DemoTenantKeyService(
    ApiKeyStore store, ApiKeyVerifier verifier, IOptions<DemoOptions> demo, IConfiguration configuration, ILogger<DemoTenantKeyService> logger) : IHostedService
{
    public const string FileName = "demo-tenant-key";
    public const string FileSetting = "Platform:DemoTenantKeyFile";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!demo.Value.Enabled)
        {
            return;
        }

        var path = configuration[FileSetting] ?? throw new InvalidOperationException($"{FileSetting} is not set.");
        var tenant = demo.Value.TenantId;
        if (File.Exists(path)
            && await verifier.VerifyAsync((await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim(), cancellationToken).ConfigureAwait(false) is { } existing
            && existing.TenantId == tenant)
        {
            logger.LogInformation("Demo tenant key for {Tenant} (X-Api-Key) is in {Path}", tenant, path);
            return;
        }

        var created = await store.CreateAsync(tenant, PlatformScopes.Tenant, expiresAt: null, cancellationToken).ConfigureAwait(false);
        OwnerOnlyFile.Write(path, created.Key);
        logger.LogInformation("Created demo tenant key {KeyId} for {Tenant} (X-Api-Key); it is in {Path}", created.Record.KeyId, tenant, path);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The demo key in <paramref name="dataFolder"/>, or null when the main job has not made one.</summary>
    public static string? Read(string dataFolder)
    {
        var path = Path.Combine(dataFolder, FileName);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }
}

/// <summary>Writes a secret to a file only its owner can read (0600 from creation, so it is never briefly world-readable).</summary>
public static class OwnerOnlyFile
{
    public static void Write(string path, string secret)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(secret);
        }

        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode applies only to a new file; an existing one keeps its mode unless set again.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
