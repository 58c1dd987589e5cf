using Microsoft.Extensions.Configuration.Memory;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Chaos;
using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.VectorSearch;
using Platform.Dashboard;
using Platform.MarketData.Hosting;
using Platform.PortfolioTwin.Api;
using Platform.PortfolioTwin.Api.Valuation;
using Platform.TrainingWorkflow;
using Platform.Valuation.Api;

namespace Platform.Host;

/// <summary>Composes every service module on one WebApplication: the same calls each service's own Program makes.</summary>
public static class PlatformHost
{
    /// <summary>The host with its local data in the repository's <c>.platform/</c> (<see cref="LocalDataFolder"/>).</summary>
    public static WebApplication Build(string[] args) => Build(args, LocalDataFolder.Locate(Environment.CurrentDirectory));

    /// <summary>The host with its local data (artifacts, vectors, api key) in <paramref name="dataFolder"/> unless configured elsewhere.</summary>
    public static WebApplication Build(string[] args, string dataFolder)
    {
        // appsettings.json ships beside the binary; the local data folder is the same whichever directory the platform starts in.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Lowest precedence: appsettings, environment and command line still override each path.
        ((IConfigurationBuilder)builder.Configuration).Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Platform:Embedded:ArtifactsPath"] = Path.Combine(dataFolder, "artifacts"),
                ["VectorIndex:Embedded:DataDirectory"] = Path.Combine(dataFolder, "vectors"),
                ["Platform:ApiKeyFile"] = Path.Combine(dataFolder, LocalApiKey.FileName),
                [DemoTenantKeyService.FileSetting] = Path.Combine(dataFolder, DemoTenantKeyService.FileName),
            },
        });
        var generatedApiKey = EnsureApiKey(builder.Configuration);
        builder.AddServiceDefaults();
        builder.AddPlatformBuildingBlocks();
        // The host's own demo bootstrap loads market data; the twin and training modules add the same (idempotent) call.
        builder.AddMarketData();
        builder.Services.AddVectorIndex(builder.Configuration);
        builder.AddValuation();
        // Before the twin module: its estimated-value feature comes from the valuation module in process.
        builder.Services.AddSingleton<IEstimatedValueProvider, InProcessValuationEstimates>();
        builder.AddPortfolioTwin();
        builder.AddTrainingWorkflow();
        builder.AddDashboard();
        builder.AddPlatformChaos();
        builder.Services.AddDemoBootstrap(builder.Configuration);
        // After AddMarketData: its migrations (api_keys included) run first.
        builder.Services.AddHostedService<DemoTenantKeyService>();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.UsePlatformBuildingBlocks();
        app.MapDefaultEndpoints();
        app.MapValuationApi();
        app.MapRegistryEndpoints();
        app.MapPortfolioTwinApi();
        app.MapTrainingWorkflowApi();
        app.MapDashboard();
        app.MapChaosEndpoints();
        app.MapApiKeyEndpoints();
        app.MapAuditEndpoints();
        app.Lifetime.ApplicationStarted.Register(() => PrintWelcome(app, generatedApiKey));
        return app;
    }

    /// <summary>Admin routes always need a key: without a configured one the host uses its local key and says where it is.</summary>
    private static (string Key, string File)? EnsureApiKey(ConfigurationManager configuration)
    {
        if (configuration.GetSection("Platform:ApiKeys").Get<string[]>() is { Length: > 0 })
        {
            return null;
        }

        var file = configuration["Platform:ApiKeyFile"]!;
        var key = LocalApiKey.LoadOrCreate(file);
        configuration.AddInMemoryCollection([new("Platform:ApiKeys:0", key)]);
        return (key, file);
    }

    private static void PrintWelcome(WebApplication app, (string Key, string File)? generatedApiKey)
    {
        foreach (var url in app.Urls)
        {
            Console.WriteLine($"Platform listening on {url}  (API reference: {url}/docs, OpenAPI: {url}/openapi/v1.json, health: {url}/ready)");
        }

        // The path only: the log is readable by more people than the key should be.
        if (generatedApiKey is { } generated)
        {
            Console.WriteLine($"Admin API key (X-Api-Key) is in {generated.File} (owner-only)");
        }
    }
}
