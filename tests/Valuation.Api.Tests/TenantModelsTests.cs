using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Registry;
using Platform.Testing;

namespace Platform.Valuation.Api.Tests;

/// <summary>
/// Three tenants with models of their own: A serves the shared model as v1; B a cruder model as v2 (its v1 never promoted);
/// C the shared model as v1, for the retraining test. "none" has no model at all.
/// </summary>
public sealed class TenantModelsFixture : PostgresDatabaseFixture, IAsyncLifetime
{
    public const string A = "tenant-a";
    public const string B = "tenant-b";
    public const string C = "tenant-c";
    public const string None = "tenant-none";

    private ValuationApiFactory? _factory;

    public ValuationApiFactory Factory => _factory ?? throw new InvalidOperationException("The fixture is not initialised.");

    public ModelVersion ChampionOfA { get; private set; } = null!;

    public ModelVersion ChampionOfB { get; private set; } = null!;

    public TrainedPriceModel ModelOfA { get; private set; } = null!;

    public TrainedPriceModel ModelOfB { get; private set; } = null!;

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _factory = new ValuationApiFactory(ConnectionString, new Dictionary<string, string?>
        {
            ["Valuation:CacheTtl"] = "01:00:00",
            ["Valuation:DriftWindowSize"] = "200",
            ["Valuation:DriftMinSamples"] = "50",
            ["Valuation:DriftCheckEveryRows"] = "50",
        });
        ModelOfA = await TrainedPriceModel.Shared.Value;
        ModelOfB = await TrainedPriceModel.Other.Value;
        var registry = Factory.Services.GetRequiredService<ModelRegistry>();
        ChampionOfA = await ChampionFixture.RegisterAsync(Factory.Services, A, ModelOfA);
        await ChampionFixture.RegisterAsync(Factory.Services, B, ModelOfB);
        ChampionOfB = await ChampionFixture.RegisterAsync(Factory.Services, B, ModelOfB);
        var c = await ChampionFixture.RegisterAsync(Factory.Services, C, ModelOfA);
        await registry.SetAliasAsync(A, ChampionOfA.ModelName, ModelRegistry.Champion, ChampionOfA.Version);
        await registry.SetAliasAsync(B, ChampionOfB.ModelName, ModelRegistry.Champion, ChampionOfB.Version);
        await registry.SetAliasAsync(C, c.ModelName, ModelRegistry.Champion, c.Version);
    }

    public new async Task DisposeAsync()
    {
        _factory?.Dispose();
        await base.DisposeAsync();
    }
}

public sealed class TenantModelsTests(TenantModelsFixture fixture) : IClassFixture<TenantModelsFixture>
{
    [Fact]
    public async Task Each_tenant_is_served_its_own_champion()
    {
        using var a = fixture.Factory.CreateClient(TenantModelsFixture.A);
        using var b = fixture.Factory.CreateClient(TenantModelsFixture.B);

        var fromA = await EstimateAsync(a);
        var fromB = await EstimateAsync(b);
        var infoA = await a.GetFromJsonAsync<JsonElement>("/model/info");
        var infoB = await b.GetFromJsonAsync<JsonElement>("/model/info");

        Assert.Equal(fixture.ChampionOfA.Version, fromA.Version);
        Assert.Equal(fixture.ChampionOfB.Version, fromB.Version);
        Assert.NotEqual(fromA.Estimate, fromB.Estimate);
        Assert.Equal(fixture.ChampionOfA.Sha256, infoA.GetProperty("sha256").GetString());
        Assert.Equal(fixture.ChampionOfB.Sha256, infoB.GetProperty("sha256").GetString());
        Assert.NotEqual(infoA.GetProperty("sha256").GetString(), infoB.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Retraining_one_tenant_leaves_the_other_tenants_champion_unchanged()
    {
        using var b = fixture.Factory.CreateClient(TenantModelsFixture.B);
        using var c = fixture.Factory.CreateClient(TenantModelsFixture.C);
        using var adminOfC = fixture.Factory.CreateAdminClient();
        adminOfC.DefaultRequestHeaders.Remove("X-Tenant-Id");
        adminOfC.DefaultRequestHeaders.Add("X-Tenant-Id", TenantModelsFixture.C);
        var before = await b.GetFromJsonAsync<JsonElement>("/model/info");
        Assert.Equal(1, (await EstimateAsync(c)).Version);

        // C's retraining: a new version of C's model, promoted by an alias move that announces C's deployment.
        var retrained = await ChampionFixture.RegisterAsync(fixture.Factory.Services, TenantModelsFixture.C, fixture.ModelOfB);
        using (var moved = await adminOfC.PostAsJsonAsync("/registry/price/aliases/champion", new { version = retrained.Version }))
        {
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
            Assert.Equal(TenantModelsFixture.C, (await moved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tenant_id").GetString());
        }

        await WaitUntilAsync(async () => (await EstimateAsync(c)).Version == retrained.Version);
        var after = await b.GetFromJsonAsync<JsonElement>("/model/info");
        Assert.Equal(before.GetProperty("version").GetInt32(), after.GetProperty("version").GetInt32());
        Assert.Equal(before.GetProperty("sha256").GetString(), after.GetProperty("sha256").GetString());
        // Not even reloaded: B's model is the same object, loaded before C's deployment.
        Assert.Equal(before.GetProperty("loaded_at").GetDateTimeOffset(), after.GetProperty("loaded_at").GetDateTimeOffset());
        Assert.Equal(fixture.ChampionOfB.Version, (await EstimateAsync(b)).Version);
    }

    [Fact]
    public async Task A_tenant_without_a_model_gets_503_with_retry_after_and_never_another_tenants_model()
    {
        using var none = fixture.Factory.CreateClient(TenantModelsFixture.None);

        using var estimate = await none.PostAsJsonAsync("/estimate", SacramentoData.Request(SacramentoData.Rows(1)));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, estimate.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(10), estimate.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", estimate.Content.Headers.ContentType?.MediaType);
        Assert.Contains(TenantModelsFixture.None, await estimate.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await none.GetAsync("/model/info")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await none.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await none.GetAsync("/metrics/summary")).StatusCode);
        Assert.Empty((await none.GetFromJsonAsync<JsonElement>("/registry/price/versions")).EnumerateArray());
        Assert.Empty((await none.GetFromJsonAsync<Dictionary<string, int>>("/registry/price/aliases"))!);
        var drift = await none.GetFromJsonAsync<JsonElement>("/monitoring/drift");
        // No model of its own: no version to measure against (null is left out of the JSON).
        Assert.False(drift.TryGetProperty("model_version", out var version) && version.ValueKind != JsonValueKind.Null, drift.ToString());
        Assert.Equal(0, drift.GetProperty("window_rows").GetInt32());
    }

    [Fact]
    public async Task Registry_report_plot_and_metric_routes_show_only_the_callers_own_models()
    {
        using var a = fixture.Factory.CreateClient(TenantModelsFixture.A);
        using var b = fixture.Factory.CreateClient(TenantModelsFixture.B);
        using var adminOfA = fixture.Factory.CreateAdminClient();
        adminOfA.DefaultRequestHeaders.Remove("X-Tenant-Id");
        adminOfA.DefaultRequestHeaders.Add("X-Tenant-Id", TenantModelsFixture.A);

        var versionsOfA = await a.GetFromJsonAsync<JsonElement>("/registry/price/versions");
        var versionsOfB = await b.GetFromJsonAsync<JsonElement>("/registry/price/versions");
        Assert.All(versionsOfA.EnumerateArray(), v => Assert.Equal(TenantModelsFixture.A, v.GetProperty("tenant_id").GetString()));
        Assert.All(versionsOfA.EnumerateArray(), v => Assert.Equal(fixture.ChampionOfA.Sha256, v.GetProperty("sha256").GetString()));
        Assert.Equal([1, 2], versionsOfB.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.All(versionsOfB.EnumerateArray(), v => Assert.Equal(fixture.ChampionOfB.Sha256, v.GetProperty("sha256").GetString()));
        Assert.Equal(fixture.ChampionOfB.Version, (await b.GetFromJsonAsync<Dictionary<string, int>>("/registry/price/aliases"))!["champion"]);

        // B's version 2 does not exist for A: no plots, no alias pointing at it, nothing moved for B.
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync("/registry/price/versions/2/plots")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.GetAsync("/registry/price/versions/2/plots")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminOfA.PostAsJsonAsync("/registry/price/aliases/champion", new { version = 2 })).StatusCode);
        Assert.Equal(fixture.ChampionOfA.Version, (await a.GetFromJsonAsync<Dictionary<string, int>>("/registry/price/aliases"))!["champion"]);

        // Metrics and the quality report are each tenant's champion's.
        Assert.Equal(fixture.ChampionOfA.Version, (await a.GetFromJsonAsync<JsonElement>("/metrics")).GetProperty("version").GetInt32());
        Assert.Equal(fixture.ChampionOfB.Version, (await b.GetFromJsonAsync<JsonElement>("/metrics")).GetProperty("version").GetInt32());
        Assert.Equal(fixture.ModelOfA.ReportMarkdown, await a.GetStringAsync("/metrics/summary"));
        Assert.Equal(fixture.ModelOfB.ReportMarkdown, await b.GetStringAsync("/metrics/summary"));
    }

    [Fact]
    public async Task Drift_is_measured_per_tenant()
    {
        using var a = fixture.Factory.CreateClient(TenantModelsFixture.A);
        using var b = fixture.Factory.CreateClient(TenantModelsFixture.B);
        var driftOfA = await a.GetFromJsonAsync<JsonElement>("/monitoring/drift");

        using var posted = await b.PostAsJsonAsync("/estimate", SacramentoData.Request(SacramentoData.Rows(60)));
        posted.EnsureSuccessStatusCode();
        var accepted = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32();

        var driftOfB = await b.GetFromJsonAsync<JsonElement>("/monitoring/drift");
        var driftOfAAfter = await a.GetFromJsonAsync<JsonElement>("/monitoring/drift");
        Assert.Equal(fixture.ChampionOfB.Version, driftOfB.GetProperty("model_version").GetInt32());
        Assert.True(driftOfB.GetProperty("window_rows").GetInt32() >= accepted, driftOfB.ToString());
        Assert.True(accepted > 0);
        Assert.Equal(driftOfA.GetProperty("window_rows").GetInt32(), driftOfAAfter.GetProperty("window_rows").GetInt32());
    }

    private static async Task<(int Version, double Estimate)> EstimateAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/estimate", SacramentoData.Request(SacramentoData.Rows(1)));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        var row = body.GetProperty("results")[0];
        return (row.GetProperty("model_version").GetInt32(), row.GetProperty("estimate").GetDouble());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("The condition did not become true within 5 s.");
    }
}
