using Platform.BuildingBlocks.Chaos;
using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.VectorSearch;
using Platform.Dashboard;
using Platform.PortfolioTwin.Api;
using Platform.PortfolioTwin.Api.Valuation;
using Platform.TrainingWorkflow;
using Platform.Valuation.Api;

namespace Platform.Host;

/// <summary>Composes every service module on one WebApplication: the same calls each service's own Program makes.</summary>
public static class PlatformHost
{
    public static WebApplication Build(string[] args)
    {
        // appsettings.json ships beside the binary; .platform/ data stays relative to where the platform is started.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var generatedApiKey = EnsureApiKey(builder.Configuration);
        builder.AddServiceDefaults();
        builder.AddPlatformBuildingBlocks();
        builder.Services.AddVectorIndex(builder.Configuration);
        builder.AddValuation();
        // Before the twin module: its estimated-value feature comes from the valuation module in process.
        builder.Services.AddSingleton<IEstimatedValueProvider, InProcessValuationEstimates>();
        builder.AddPortfolioTwin();
        builder.AddTrainingWorkflow();
        builder.AddDashboard();
        builder.AddPlatformChaos();
        builder.Services.AddOptions<DemoOptions>().Bind(builder.Configuration.GetSection(DemoOptions.SectionName));
        builder.Services.AddHostedService<DemoBootstrapService>();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.UsePlatformBuildingBlocks();
        app.MapDefaultEndpoints();
        app.MapValuationApi();
        app.MapPortfolioTwinApi();
        app.MapTrainingWorkflowApi();
        app.MapDashboard();
        app.MapChaosEndpoints();
        app.Lifetime.ApplicationStarted.Register(() => PrintWelcome(app, generatedApiKey));
        return app;
    }

    /// <summary>Admin routes always need a key: without a configured one the host uses its local key and says where it is.</summary>
    private static string? EnsureApiKey(ConfigurationManager configuration)
    {
        if (configuration.GetSection("Platform:ApiKeys").Get<string[]>() is { Length: > 0 })
        {
            return null;
        }

        var key = LocalApiKey.LoadOrCreate(configuration["Platform:ApiKeyFile"] ?? LocalApiKey.DefaultPath);
        configuration.AddInMemoryCollection([new("Platform:ApiKeys:0", key)]);
        return key;
    }

    private static void PrintWelcome(WebApplication app, string? generatedApiKey)
    {
        foreach (var url in app.Urls)
        {
            Console.WriteLine($"Platform listening on {url}  (API reference: {url}/docs, OpenAPI: {url}/openapi/v1.json, health: {url}/ready)");
        }

        if (generatedApiKey is not null)
        {
            Console.WriteLine($"Admin API key (X-Api-Key), kept in {LocalApiKey.DefaultPath}: {generatedApiKey}");
        }
    }
}
