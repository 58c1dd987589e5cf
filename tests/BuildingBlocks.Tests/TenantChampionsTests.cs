using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.StateStore;

namespace Platform.BuildingBlocks.Tests;

/// <summary>The per-tenant champions: each tenant its own model, never another's, and at most the cap held in memory.</summary>
public sealed class TenantChampionsTests : IDisposable
{
    private static readonly ModelLineage Lineage = new("data", new Dictionary<string, string>(), "test");

    private readonly DirectoryInfo _artifactsRoot = Directory.CreateTempSubdirectory("tenant-champions-");
    private readonly FakeTimeProvider _time = new();
    private readonly ModelRegistry _registry;
    private int _loads;

    public TenantChampionsTests() =>
        _registry = new ModelRegistry(new InMemoryStateStore(), new FileSystemArtifactStore(_artifactsRoot.FullName), _time);

    public void Dispose() => _artifactsRoot.Delete(recursive: true);

    [Fact]
    public async Task Each_tenant_is_served_its_own_champion_and_a_tenant_without_one_gets_model_not_deployed()
    {
        await DeployAsync("a", "model of a");
        await DeployAsync("b", "model of b");
        var champions = Create(capacity: 8);

        Assert.Equal("model of a", (await champions.RequireAsync("a")).Model);
        Assert.Equal("model of b", (await champions.RequireAsync("b")).Model);
        var missing = await Assert.ThrowsAsync<ModelNotDeployedException>(async () => await champions.RequireAsync("c"));
        Assert.Equal("c", missing.TenantId);
        Assert.Equal(5, missing.RetryAfterSeconds);
    }

    [Fact]
    public async Task Deploying_for_one_tenant_leaves_the_other_tenant_s_loaded_model_alone()
    {
        await DeployAsync("a", "a v1");
        await DeployAsync("b", "b v1");
        var champions = Create(capacity: 8);
        var servedToB = await champions.RequireAsync("b");
        await champions.RequireAsync("a");

        await DeployAsync("a", "a v2");
        await champions.For("a").ReloadAsync();
        await champions.For("b").ReloadAsync();

        Assert.Equal("a v2", (await champions.RequireAsync("a")).Model);
        Assert.Same(servedToB, await champions.RequireAsync("b"));
    }

    [Fact]
    public async Task Beyond_the_cap_the_least_recently_used_tenant_is_dropped_and_reloaded_on_its_next_request()
    {
        foreach (var tenant in new[] { "a", "b", "c" })
        {
            await DeployAsync(tenant, "model of " + tenant);
        }

        var champions = Create(capacity: 2);
        await champions.RequireAsync("a");
        await champions.RequireAsync("b");
        await champions.RequireAsync("a");
        await champions.RequireAsync("c");

        Assert.Equal(["a", "c"], champions.Held.Select(c => c.TenantId).Order());
        Assert.Equal(3, _loads);
        Assert.Equal("model of b", (await champions.RequireAsync("b")).Model);
        Assert.Equal(4, _loads);
        Assert.Equal(2, champions.Held.Count);
    }

    [Fact]
    public async Task Tenants_without_a_model_are_dropped_before_tenants_with_one()
    {
        await DeployAsync("a", "model of a");
        await DeployAsync("b", "model of b");
        var champions = Create(capacity: 2);
        await champions.RequireAsync("a");
        await Assert.ThrowsAsync<ModelNotDeployedException>(async () => await champions.RequireAsync("nobody"));

        await champions.RequireAsync("b");

        Assert.Equal(["a", "b"], champions.Held.Select(c => c.TenantId).Order());
    }

    [Fact]
    public async Task Preload_loads_the_tenants_that_have_a_champion_up_to_the_cap()
    {
        await DeployAsync("a", "model of a");
        await DeployAsync("b", "model of b");
        var champions = Create(capacity: 8);

        await champions.PreloadAsync();

        Assert.Equal(["a", "b"], champions.Held.Where(c => c.Current is not null).Select(c => c.TenantId).Order());
    }

    private TenantChampions<string> Create(int capacity) => new(_registry, "price", bytes =>
    {
        Interlocked.Increment(ref _loads);
        return System.Text.Encoding.UTF8.GetString(bytes);
    }, TimeSpan.FromMinutes(1), _time, NullLogger.Instance, capacity: capacity)
    {
        RetryAfterSeconds = 5,
    };

    private async Task DeployAsync(string tenantId, string content)
    {
        using var file = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content));
        var version = await _registry.RegisterAsync(tenantId, "price", file, new Dictionary<string, double>(), Lineage);
        await _registry.SetAliasAsync(tenantId, "price", ModelRegistry.Champion, version.Version);
    }
}
