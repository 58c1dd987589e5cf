using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.Valuation.Api.Endpoints;
using Platform.Valuation.Api.Estimation;
using Platform.Valuation.Api.Models;
using Platform.Valuation.Api.Monitoring;

namespace Platform.Valuation.Api;

/// <summary>The valuation module: what <c>Program</c> and the all-in-one host compose.</summary>
public static class ValuationModule
{
    public const string ReadyCheckName = "valuation-model";

    /// <summary>
    /// Registers options, the champion cache and its reload handler, estimation, drift monitoring, metrics and the
    /// estimate-requests subscription. Needs the building blocks (<c>AddPlatformBuildingBlocks</c>) and service defaults.
    /// </summary>
    public static IHostApplicationBuilder AddValuation(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ValuationOptions>()
            .Bind(builder.Configuration.GetSection(ValuationOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton<IPriceModelLoader, PriceModelLoader>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<ValuationOptions>>().Value;
            var loader = sp.GetRequiredService<IPriceModelLoader>();
            return new ChampionModelCache<ValuationModel>(
                sp.GetRequiredService<ModelRegistry>(),
                settings.ModelName,
                bytes => new ValuationModel(loader.Load(bytes)),
                settings.CacheTtl,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<ChampionModelCache<ValuationModel>>());
        });
        services.AddSingleton<IEventHandler, ModelDeployedHandler<ValuationModel>>();
        services.AddHostedService<ChampionRefresher>();

        services.AddSingleton<DriftMonitor>();
        services.AddSingleton<ValuationMetrics>();
        services.AddSingleton<EstimationService>();
        services.AddSingleton<IEventHandler, EstimateRequestHandler>();

        services.AddHealthChecks().AddCheck<ModelReadyHealthCheck>(ReadyCheckName, tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>Maps the valuation routes: estimates, model info and admin, metrics, registry, monitoring.</summary>
    public static WebApplication MapValuationApi(this WebApplication app)
    {
        app.MapEstimateEndpoints();
        app.MapModelEndpoints();
        app.MapMetricsEndpoints();
        app.MapRegistryEndpoints();
        app.MapMonitoringEndpoints();

        // Instruments are created with the metrics object; resolve it now so gauges exist before the first request.
        app.Services.GetRequiredService<ValuationMetrics>();
        return app;
    }
}
