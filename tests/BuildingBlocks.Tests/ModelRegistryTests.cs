using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.StateStore;

namespace Platform.BuildingBlocks.Tests;

public sealed class ModelRegistryTests : IDisposable
{
    private const string Tenant = "tenant-a";
    private const string OtherTenant = "tenant-b";
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

        Assert.Equal([1, 2], (await _registry.ListVersionsAsync(Tenant, "price")).Select(v => v.Version));
        Assert.Equal("one"u8.ToArray(), await _registry.ReadModelFileAsync(first));
        Assert.Equal("two"u8.ToArray(), await _registry.ReadModelFileAsync(second));
        Assert.Equal(12, (await _registry.GetVersionAsync(Tenant, "price", 1))!.Metrics["MdAPE"]);
        Assert.Equal("sha256:data", second.Lineage.DataHash);
    }

    [Fact]
    public async Task Rollback_is_moving_the_champion_alias_back()
    {
        await RegisterAsync("one", mdape: 12);
        await RegisterAsync("two", mdape: 10);
        await _registry.SetAliasAsync(Tenant, "price", ModelRegistry.Champion, 2);
        await _registry.SetAliasAsync(Tenant, "price", ModelRegistry.Challenger, 1);

        await _registry.SetAliasAsync(Tenant, "price", ModelRegistry.Champion, 1);

        Assert.Equal(1, (await _registry.ResolveAsync(Tenant, "price", ModelRegistry.Champion))!.Version);
        Assert.Equal(1, (await _registry.GetAliasesAsync(Tenant, "price"))[ModelRegistry.Challenger]);
    }

    [Fact]
    public async Task An_alias_cannot_point_at_a_version_that_does_not_exist()
    {
        await RegisterAsync("one", mdape: 12);

        await Assert.ThrowsAsync<ModelNotFoundException>(() => _registry.SetAliasAsync(Tenant, "price", ModelRegistry.Champion, 7));
        Assert.Null(await _registry.ResolveAsync(Tenant, "price", ModelRegistry.Champion));
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
        await Assert.ThrowsAsync<ArgumentException>(() => _registry.RegisterAsync(Tenant, name, file, new Dictionary<string, double>(), Lineage));
    }

    [Fact]
    public async Task Each_tenant_has_its_own_versions_aliases_and_files()
    {
        var a1 = await RegisterAsync("a one", mdape: 12);
        var a2 = await RegisterAsync("a two", mdape: 11);
        var b1 = await RegisterAsync("b one", mdape: 9, OtherTenant);
        await _registry.SetAliasAsync(Tenant, "price", ModelRegistry.Champion, a2.Version);
        await _registry.SetAliasAsync(OtherTenant, "price", ModelRegistry.Champion, b1.Version);

        // Numbering is the tenant's own: B's first version is 1 although A has two.
        Assert.Equal(1, b1.Version);
        Assert.Equal(OtherTenant, b1.TenantId);
        Assert.NotEqual(a1.ArtifactId, b1.ArtifactId);
        Assert.Contains(OtherTenant, b1.ArtifactId, StringComparison.Ordinal);
        Assert.Equal(["a one", "a two"], (await _registry.ListVersionsAsync(Tenant, "price")).Select(v => System.Text.Encoding.UTF8.GetString(_registry.ReadModelFileAsync(v).Result)));
        Assert.Equal(["b one"], (await _registry.ListVersionsAsync(OtherTenant, "price")).Select(v => System.Text.Encoding.UTF8.GetString(_registry.ReadModelFileAsync(v).Result)));
        Assert.Equal(2, (await _registry.ResolveAsync(Tenant, "price", ModelRegistry.Champion))!.Version);
        Assert.Equal("b one"u8.ToArray(), await _registry.ReadModelFileAsync((await _registry.ResolveAsync(OtherTenant, "price", ModelRegistry.Champion))!));

        // B cannot point its alias at A's version 2: B has no version 2.
        await Assert.ThrowsAsync<ModelNotFoundException>(() => _registry.SetAliasAsync(OtherTenant, "price", ModelRegistry.Champion, 2));
        Assert.Null(await _registry.ResolveAsync("tenant-c", "price", ModelRegistry.Champion));
        Assert.Equal([Tenant, OtherTenant], await _registry.TenantsWithAliasesAsync("price"));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a|b")]
    [InlineData("")]
    public async Task Tenant_ids_outside_the_tenant_alphabet_are_refused_and_never_found(string tenantId)
    {
        using var file = new MemoryStream([1]);
        await Assert.ThrowsAsync<ArgumentException>(() => _registry.RegisterAsync(tenantId, "price", file, new Dictionary<string, double>(), Lineage));
        Assert.Empty(await _registry.ListVersionsAsync(tenantId, "price"));
        Assert.Null(await _registry.GetVersionAsync(tenantId, "price", 1));
    }

    private async Task<ModelVersion> RegisterAsync(string content, double mdape, string tenantId = Tenant)
    {
        using var file = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content));
        return await _registry.RegisterAsync(tenantId, "price", file, new Dictionary<string, double> { ["MdAPE"] = mdape }, Lineage);
    }
}
