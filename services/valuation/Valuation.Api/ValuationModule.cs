using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Chaos;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.Valuation.Api.Endpoints;
using Platform.Valuation.Api.Estimation;
using Platform.Valuation.Api.Models;
using Platform.Valuation.Api.Monitoring;
using Platform.Valuation.Api.Release;

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
        if (ChaosExtensions.IsEnabled(builder.Configuration))
        {
            services.DecorateForChaos<IPriceModelLoader>((inner, chaos) => new ChaosPriceModelLoader(inner, chaos));
        }

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
        AddRelease(services, builder.Configuration);

        services.AddSingleton<DriftMonitor>();
        services.AddSingleton<ValuationMetrics>();
        services.AddSingleton<EstimationService>();
        services.AddSingleton<IEventHandler, EstimateRequestHandler>();

        services.AddHealthChecks().AddCheck<ModelReadyHealthCheck>(ReadyCheckName, tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// The challenger alias for canary and shadow releases: always resolvable (it loads nothing until asked), kept fresh
    /// and reloaded on model-deployed only when a release mode is configured.
    /// </summary>
    private static void AddRelease(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp =>
        {
            var monitor = sp.GetRequiredService<IOptionsMonitor<ValuationOptions>>();
            var loader = sp.GetRequiredService<IPriceModelLoader>();
            var challenger = new ChampionModelCache<ValuationModel>(
                sp.GetRequiredService<ModelRegistry>(),
                monitor.CurrentValue.ModelName,
                bytes => new ValuationModel(loader.Load(bytes)),
                monitor.CurrentValue.CacheTtl,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<ChampionModelCache<ValuationModel>>(),
                ModelRegistry.Challenger);
            return new ReleaseRouter(challenger, () => monitor.CurrentValue.Release);
        });

        var mode = configuration.GetSection(ValuationOptions.SectionName).Get<ValuationOptions>()?.Release.Mode ?? ReleaseMode.None;
        if (mode != ReleaseMode.None)
        {
            services.AddSingleton<IEventHandler>(sp => new ModelDeployedHandler<ValuationModel>(sp.GetRequiredService<ReleaseRouter>().Challenger));
            services.AddSingleton<IHostedService>(sp => new ChampionRefresher(
                sp.GetRequiredService<ReleaseRouter>().Challenger,
                sp.GetRequiredService<IOptionsMonitor<ValuationOptions>>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ChampionRefresher>>()));
        }
    }

    /// <summary>Maps the valuation routes: estimates, model info and admin, metrics, registry (with report plots), monitoring.</summary>
    public static WebApplication MapValuationApi(this WebApplication app)
    {
        app.MapEstimateEndpoints();
        app.MapModelEndpoints();
        app.MapMetricsEndpoints();
        app.MapRegistryEndpoints();
        app.MapReportPlotEndpoints();
        app.MapMonitoringEndpoints();

        // Instruments are created with the metrics object; resolve it now so gauges exist before the first request.
        app.Services.GetRequiredService<ValuationMetrics>();
        return app;
    }
}
