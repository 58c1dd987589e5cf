using Microsoft.AspNetCore.Builder;
using Platform.Host;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// A throwaway data folder of the main job (artifacts, vector index, admin and demo tenant key files) on the test class's
/// database, with one loopback address: a test starts the all-in-one host on it, stops it and starts it again on the same
/// folder, as an operator restarts the main job. The folder is deleted on dispose.
/// </summary>
internal sealed class MainJobWorkspace(string connectionString, string prefix) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory(prefix);

    public string Folder => _folder.FullName;

    public string Url { get; } = $"http://127.0.0.1:{Loopback.FreePort()}";

    /// <summary>The host on this folder with the test's <paramref name="settings"/> (a later setting wins), started.</summary>
    public async Task<WebApplication> StartAsync(params string[] settings)
    {
        var app = PlatformHost.Build(AllInOneHostArguments.For(Url, connectionString, Folder,
            [$"--{DemoTenantKeyService.FileSetting}={Path.Combine(Folder, DemoTenantKeyService.FileName)}", .. settings]));
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
