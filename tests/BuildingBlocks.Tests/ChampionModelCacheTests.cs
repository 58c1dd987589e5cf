using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.StateStore;

namespace Platform.BuildingBlocks.Tests;

public sealed class ChampionModelCacheTests : IDisposable
{
    private const string Tenant = "tenant-a";
    private static readonly ModelLineage Lineage = new("data", new Dictionary<string, string>(), "test");

    private readonly DirectoryInfo _artifactsRoot = Directory.CreateTempSubdirectory("champion-");
    private readonly FakeTimeProvider _time = new();
    private readonly ModelRegistry _registry;
    private readonly ChampionModelCache<string> _cache;

    public ChampionModelCacheTests()
    {
        _registry = new ModelRegistry(new InMemoryStateStore(), new FileSystemArtifactStore(_artifactsRoot.FullName), _time);
        // The "model" is the file's text; a file starting with "bad" cannot be loaded.
        _cache = new ChampionModelCache<string>(_registry, Tenant, "price", bytes =>
        {
            var text = System.Text.Encoding.UTF8.GetString(bytes);
            return text.StartsWith("bad", StringComparison.Ordinal) ? throw new InvalidDataException("unreadable model") : text;
        }, TimeSpan.FromMinutes(1), _time, NullLogger.Instance);
    }

    public void Dispose() => _artifactsRoot.Delete(recursive: true);

    [Fact]
    public async Task Nothing_serves_before_a_champion_exists()
    {
        await RegisterAsync("v1");

        Assert.Null(await _cache.GetAsync());
    }

    [Fact]
    public async Task A_new_champion_is_served_after_reload_and_not_before_the_ttl_otherwise()
    {
        await PromoteAsync(await RegisterAsync("v1"));
        Assert.Equal("v1", (await _cache.GetAsync())!.Model);

        await PromoteAsync(await RegisterAsync("v2"));
        Assert.Equal("v1", (await _cache.GetAsync())!.Model);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("v2", (await _cache.GetAsync())!.Model);
    }

    [Fact]
    public async Task A_champion_that_cannot_be_loaded_leaves_the_previous_one_serving()
    {
        await PromoteAsync(await RegisterAsync("v1"));
        await _cache.ReloadAsync();

        await PromoteAsync(await RegisterAsync("bad v2"));
        var serving = await _cache.ReloadAsync();

        Assert.Equal("v1", serving!.Model);
        Assert.Contains("unreadable model", _cache.LastError, StringComparison.Ordinal);
    }

    private async Task<ModelVersion> RegisterAsync(string content)
    {
        using var file = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content));
        return await _registry.RegisterAsync(Tenant, "price", file, new Dictionary<string, double>(), Lineage);
    }

    private Task PromoteAsync(ModelVersion version) => _registry.SetAliasAsync(Tenant, "price", ModelRegistry.Champion, version.Version);
}
