using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.StateStore;

namespace Platform.BuildingBlocks.Tests;

public sealed class ModelRegistryTests : IDisposable
{
    private static readonly ModelLineage Lineage = new("sha256:data", new Dictionary<string, string> { ["trees"] = "100" }, "test");

    private readonly DirectoryInfo _artifactsRoot = Directory.CreateTempSubdirectory("registry-");
    private readonly ModelRegistry _registry;

    public ModelRegistryTests() =>
        _registry = new ModelRegistry(new InMemoryStateStore(), new FileSystemArtifactStore(_artifactsRoot.FullName), TimeProvider.System);

    public void Dispose() => _artifactsRoot.Delete(recursive: true);

    [Fact]
    public async Task Versions_are_numbered_in_order_and_keep_their_own_file_and_metrics()
    {
        var first = await RegisterAsync("one", mdape: 12);
        var second = await RegisterAsync("two", mdape: 10);

        Assert.Equal([1, 2], (await _registry.ListVersionsAsync("price")).Select(v => v.Version));
        Assert.Equal("one"u8.ToArray(), await _registry.ReadModelFileAsync(first));
        Assert.Equal("two"u8.ToArray(), await _registry.ReadModelFileAsync(second));
        Assert.Equal(12, (await _registry.GetVersionAsync("price", 1))!.Metrics["MdAPE"]);
        Assert.Equal("sha256:data", second.Lineage.DataHash);
    }

    [Fact]
    public async Task Rollback_is_moving_the_champion_alias_back()
    {
        await RegisterAsync("one", mdape: 12);
        await RegisterAsync("two", mdape: 10);
        await _registry.SetAliasAsync("price", ModelRegistry.Champion, 2);
        await _registry.SetAliasAsync("price", ModelRegistry.Challenger, 1);

        await _registry.SetAliasAsync("price", ModelRegistry.Champion, 1);

        Assert.Equal(1, (await _registry.ResolveAsync("price", ModelRegistry.Champion))!.Version);
        Assert.Equal(1, (await _registry.GetAliasesAsync("price"))[ModelRegistry.Challenger]);
    }

    [Fact]
    public async Task An_alias_cannot_point_at_a_version_that_does_not_exist()
    {
        await RegisterAsync("one", mdape: 12);

        await Assert.ThrowsAsync<ModelNotFoundException>(() => _registry.SetAliasAsync("price", ModelRegistry.Champion, 7));
        Assert.Null(await _registry.ResolveAsync("price", ModelRegistry.Champion));
    }

    [Fact]
    public async Task A_file_changed_after_registration_is_reported_as_corrupt()
    {
        var version = await RegisterAsync("original", mdape: 12);
        await File.WriteAllTextAsync(Path.Combine(_artifactsRoot.FullName, version.ArtifactId), "tampered");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _registry.ReadModelFileAsync(version));
        Assert.Contains("hash mismatch", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Price")]
    [InlineData("../escape")]
    [InlineData("")]
    public async Task Model_names_outside_the_safe_alphabet_are_refused(string name)
    {
        using var file = new MemoryStream([1]);
        await Assert.ThrowsAsync<ArgumentException>(() => _registry.RegisterAsync(name, file, new Dictionary<string, double>(), Lineage));
    }

    private async Task<ModelVersion> RegisterAsync(string content, double mdape)
    {
        using var file = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content));
        return await _registry.RegisterAsync("price", file, new Dictionary<string, double> { ["MdAPE"] = mdape }, Lineage);
    }
}
