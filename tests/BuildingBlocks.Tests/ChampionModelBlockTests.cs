using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.StateStore;

namespace Platform.BuildingBlocks.Tests;

/// <summary>
/// The champion-model block (<see cref="ChampionModelExtensions.AddChampionModel{TModel,TOptions}"/>) in a real ASP.NET Core
/// host on a test server, over a registry of in-memory state and files: a "model" is the text of its file, and a file starting
/// with "bad" cannot be loaded.
/// </summary>
public sealed class ChampionModelBlockTests : IAsyncDisposable
{
    private const string Model = "block-model";
    private const string Tenant = "block-tenant";
    private const string Meter = "Platform.BlockTest";
    private const string VersionGauge = "platform.block_test.model.version";
    private static readonly ModelLineage Lineage = new("data", new Dictionary<string, string>(), "test");

    private readonly DirectoryInfo _artifactsRoot = Directory.CreateTempSubdirectory("champion-block-");
    private readonly FakeTimeProvider _time = new();
    private readonly ModelRegistry _registry;
    private WebApplication? _app;

    public ChampionModelBlockTests()
    {
        _registry = new ModelRegistry(new InMemoryStateStore(), new FileSystemArtifactStore(_artifactsRoot.FullName), _time);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _artifactsRoot.Delete(recursive: true);
    }

    [Fact]
    public async Task Before_a_champion_exists_requests_get_503_with_retry_after_and_the_host_is_not_ready()
    {
        await RegisterAsync("v1");
        using var client = await StartAsync();

        using var response = await client.GetAsync("/serve");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("No model is deployed.", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains($"'{Model}'", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/ready")).StatusCode);
    }

    [Fact]
    public async Task The_champion_is_loaded_at_start_so_the_host_is_ready_before_any_request()
    {
        await PromoteAsync(await RegisterAsync("v1"));
        using var client = await StartAsync();

        await WaitForReadyAsync(client);

        Assert.Equal("v1", await client.GetStringAsync("/serve"));
        Assert.Equal(1, ServingVersionGauge());
    }

    [Fact]
    public async Task A_deployed_event_for_the_model_serves_the_new_champion_at_once_and_other_events_change_nothing()
    {
        await PromoteAsync(await RegisterAsync("v1"));
        using var client = await StartAsync();
        await WaitForReadyAsync(client);
        // Served once, so the tenant's cache holds v1 (readiness needs some tenant's model, not this cache loaded).
        Assert.Equal("v1", await client.GetStringAsync("/serve"));
        var v2 = await RegisterAsync("v2");
        await PromoteAsync(v2);

        // The TTL is an hour and the clock stands still: only the event can move the serving model.
        Assert.Equal(DeliveryResult.Success, await DeliverAsync(new ModelDeployed("another-model", v2.Version, ModelRegistry.Champion, Tenant)));
        Assert.Equal(DeliveryResult.Success, await DeliverAsync(new ModelDeployed(Model, v2.Version, ModelRegistry.Challenger, Tenant)));
        // Another tenant's deployment does not reload this tenant's model.
        Assert.Equal(DeliveryResult.Success, await DeliverAsync(new ModelDeployed(Model, v2.Version, ModelRegistry.Champion, "another-tenant")));
        Assert.Equal("v1", await client.GetStringAsync("/serve"));

        Assert.Equal(DeliveryResult.Success, await DeliverAsync(new ModelDeployed(Model, v2.Version, ModelRegistry.Champion, Tenant)));
        Assert.Equal("v2", await client.GetStringAsync("/serve"));
        Assert.Equal(2, ServingVersionGauge());
    }

    [Fact]
    public async Task A_corrupt_artifact_keeps_the_old_model_serving_and_the_host_ready()
    {
        await PromoteAsync(await RegisterAsync("v1"));
        using var client = await StartAsync();
        await WaitForReadyAsync(client);
        var broken = await RegisterAsync("bad v2");
        await PromoteAsync(broken);

        await DeliverAsync(new ModelDeployed(Model, broken.Version, ModelRegistry.Champion, Tenant));

        Assert.Equal("v1", await client.GetStringAsync("/serve"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready")).StatusCode);
        var cache = _app!.Services.GetRequiredService<TenantChampions<TextModel>>().For(Tenant);
        Assert.Contains("unreadable model", cache.LastError, StringComparison.Ordinal);
        Assert.Equal(1, ServingVersionGauge());
    }

    [Fact]
    public async Task The_refresher_serves_a_new_champion_once_the_ttl_has_run_out()
    {
        await PromoteAsync(await RegisterAsync("v1"));
        using var client = await StartAsync();
        await WaitForReadyAsync(client);
        await PromoteAsync(await RegisterAsync("v2"));
        Assert.Equal("v1", await client.GetStringAsync("/serve"));

        _time.Advance(TimeSpan.FromHours(1));

        await WaitUntilAsync(async () => await client.GetStringAsync("/serve") == "v2");
    }

    [Fact]
    public async Task A_refresher_of_the_service_s_own_is_woken_by_a_deployed_event_after_the_cache_reloads()
    {
        await PromoteAsync(await RegisterAsync("v1"));
        using var client = await StartAsync(ownRefresher: true);
        var refresher = _app!.Services.GetRequiredService<CountingRefresher>();
        await WaitForReadyAsync(client);
        var v2 = await RegisterAsync("v2");
        await PromoteAsync(v2);

        await DeliverAsync(new ModelDeployed(Model, v2.Version, ModelRegistry.Champion, Tenant));

        Assert.Equal(1, refresher.Requests);
        Assert.Equal(Tenant, refresher.TenantAsked);
        Assert.Equal("v2", refresher.ServingWhenAsked);
        Assert.Equal("v2", await client.GetStringAsync("/serve"));
    }

    [Theory]
    [InlineData("ModelName", "Not A Name", "ModelName")]
    [InlineData("CacheTtl", "00:00:00", "Block:CacheTtl must be positive.")]
    [InlineData("RetryAfterSeconds", "0", "RetryAfterSeconds")]
    public async Task Invalid_options_stop_the_host_at_start_naming_the_setting(string key, string value, string expected)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(settings: new() { [$"Block:{key}"] = value }));

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    private async Task<HttpClient> StartAsync(bool ownRefresher = false, Dictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Block:ModelName"] = Model,
            ["Block:CacheTtl"] = "01:00:00",
            ["Block:RetryAfterSeconds"] = "7",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Services.AddSingleton(_registry);
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton<IModelLoader<TextModel>, TextModelLoader>();
        var setup = new ChampionModelSetup(BlockOptions.SectionName, "block-model", Meter, VersionGauge, "Version serving in the block test.");
        if (ownRefresher)
        {
            builder.AddChampionModel<TextModel, BlockOptions, CountingRefresher>(setup);
        }
        else
        {
            builder.AddChampionModel<TextModel, BlockOptions>(setup);
        }

        // The platform's one exception-to-problem mechanism answers the block's ModelNotDeployedException (503 + Retry-After).
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        _app = builder.Build();
        _app.UseExceptionHandler();
        _app.MapHealthChecks("/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ServiceDefaultsExtensions.ReadyTag) });
        _app.MapGet("/serve", async (TenantChampions<TextModel> champions, CancellationToken cancellationToken) =>
                (await champions.RequireAsync(Tenant, cancellationToken)).Model.Text);
        await _app.StartAsync();
        return _app.GetTestClient();
    }

    private async Task<DeliveryResult> DeliverAsync(ModelDeployed deployed)
    {
        var handlers = _app!.Services.GetServices<IEventHandler>().Where(h => h.Topic == Topics.ModelDeployed).ToList();
        Assert.Single(handlers);
        var cloudEvent = new CloudEvent
        {
            Id = Guid.NewGuid().ToString("N"),
            Source = "test",
            Type = Topics.ModelDeployed,
            Topic = Topics.ModelDeployed,
            Data = JsonSerializer.SerializeToElement(deployed, JsonSerializerOptions.Web),
        };
        return await handlers[0].HandleAsync(cloudEvent, CancellationToken.None);
    }

    private int? ServingVersionGauge()
    {
        int? value = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Meter && instrument.Name == VersionGauge)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, measurement, tags, _) =>
        {
            Assert.Contains(tags.ToArray(), t => t.Key == "model" && Model.Equals(t.Value));
            value = measurement;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }

    private static Task WaitForReadyAsync(HttpClient client) =>
        WaitUntilAsync(async () => (await client.GetAsync("/ready")).StatusCode == HttpStatusCode.OK);

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

    private async Task<ModelVersion> RegisterAsync(string content)
    {
        using var file = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content));
        return await _registry.RegisterAsync(Tenant, Model, file, new Dictionary<string, double>(), Lineage);
    }

    private Task PromoteAsync(ModelVersion version) => _registry.SetAliasAsync(Tenant, Model, ModelRegistry.Champion, version.Version);

    public sealed record TextModel(string Text);

    public sealed class TextModelLoader : IModelLoader<TextModel>
    {
        public TextModel Load(byte[] modelFile)
        {
            var text = System.Text.Encoding.UTF8.GetString(modelFile);
            return text.StartsWith("bad", StringComparison.Ordinal) ? throw new InvalidDataException("unreadable model") : new TextModel(text);
        }
    }

    public sealed class BlockOptions : ChampionModelOptions
    {
        public const string SectionName = "Block";

        protected override string Section => SectionName;
    }

    /// <summary>A service's own refresher: loads at start like the default one and records when a deployment wakes it.</summary>
    public sealed class CountingRefresher(TenantChampions<TextModel> champions) : BackgroundService, IChampionRefresher<TextModel>
    {
        public int Requests { get; private set; }

        public string? ServingWhenAsked { get; private set; }

        public string? TenantAsked { get; private set; }

        public void RequestRefresh(string? tenantId = null)
        {
            Requests++;
            TenantAsked = tenantId;
            ServingWhenAsked = tenantId is null ? null : champions.For(tenantId).Current?.Model.Text;
        }

        protected override Task ExecuteAsync(CancellationToken stoppingToken) => champions.PreloadAsync(stoppingToken);
    }
}
