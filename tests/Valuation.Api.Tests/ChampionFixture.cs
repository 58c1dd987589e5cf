using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Registry;
using Platform.Testing;

namespace Platform.Valuation.Api.Tests;

/// <summary>
/// A test class's database and host, with the Sacramento model (trained once per test run) registered as champion v1
/// together with its quality report. Settings tune drift monitoring to small windows.
/// </summary>
public class ChampionFixture : PostgresDatabaseFixture, IAsyncLifetime
{
    private ValuationApiFactory? _factory;

    public ValuationApiFactory Factory => _factory ?? throw new InvalidOperationException("The fixture is not initialised.");

    public ModelVersion Champion { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Valuation:DriftWindowSize"] = "200",
        ["Valuation:DriftMinSamples"] = "50",
        ["Valuation:DriftCheckEveryRows"] = "50",
        ["Valuation:DriftCheckMinInterval"] = "00:00:00",
    };

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _factory = new ValuationApiFactory(ConnectionString, Settings);
        Champion = await RegisterAsync(Factory.Services);
        var registry = Factory.Services.GetRequiredService<ModelRegistry>();
        await registry.SetAliasAsync(ValuationApiFactory.Tenant, Champion.ModelName, ModelRegistry.Champion, Champion.Version);
        await Factory.Services.GetRequiredService<TenantChampions<Estimation.ValuationModel>>().For(ValuationApiFactory.Tenant).ReloadAsync();
    }

    /// <summary>Registers another version of the trained model for the tenant (the champion alias does not move).</summary>
    public static async Task<ModelVersion> RegisterAsync(IServiceProvider services, string tenantId = ValuationApiFactory.Tenant, TrainedPriceModel? model = null)
    {
        var trained = model ?? await TrainedPriceModel.Shared.Value;
        var artifacts = services.GetRequiredService<IArtifactStore>();
        var reportId = $"reports/{tenantId}/price/{Guid.NewGuid():N}/report.md";
        await artifacts.PutAsync(reportId, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(trained.ReportMarkdown)));
        var registry = services.GetRequiredService<ModelRegistry>();
        return await registry.RegisterAsync(
            tenantId,
            "price",
            new MemoryStream(trained.ModelFile),
            trained.Metrics,
            new ModelLineage("sha256:" + trained.DataHash, new Dictionary<string, string> { ["seed"] = "42" }, "test"),
            reportArtifactId: reportId);
    }

    public new async Task DisposeAsync()
    {
        _factory?.Dispose();
        await base.DisposeAsync();
    }
}
