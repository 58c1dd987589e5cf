using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Chaos;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.Valuation.Api.Endpoints;
using Platform.Valuation.Api.Estimation;
using Platform.Valuation.Api.Monitoring;
using Platform.Valuation.Api.Release;

namespace Platform.Valuation.Api;

/// <summary>The valuation module: what <c>Program</c> and the all-in-one host compose.</summary>
public static class ValuationModule
{
    public const string ReadyCheckName = "valuation-model";

    /// <summary>
    /// Registers options and the price champion (the building blocks' champion-model block), the challenger for releases,
    /// estimation, drift monitoring, metrics and the estimate-requests subscription. Needs the building blocks
    /// (<c>AddPlatformBuildingBlocks</c>) and service defaults.
    /// </summary>
    public static IHostApplicationBuilder AddValuation(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        // Estimates (with the model's contributions and comparables), model info, metrics and drift are on the snake_case wire.
        services.AddWireContracts(typeof(ValuationModule).Assembly, typeof(Model.Prediction.FeatureContribution).Assembly);
        services.TryAddSingleton<IModelLoader<ValuationModel>, PriceModelLoader>();
        if (ChaosExtensions.IsEnabled(builder.Configuration))
        {
            services.DecorateForChaos<IModelLoader<ValuationModel>>((inner, chaos) => new ChaosPriceModelLoader(inner, chaos));
        }

        builder.AddChampionModel<ValuationModel, ValuationOptions>(new ChampionModelSetup(
            ValuationOptions.SectionName, ReadyCheckName, ValuationMetrics.MeterName,
            "platform.valuation.model.version", "Registry version of the model serving estimates."));
        AddRelease(services, builder.Configuration);

        services.AddSingleton<DriftMonitor>();
        services.AddSingleton<ValuationMetrics>();
        services.AddSingleton<EstimationService>();
        services.AddSingleton<IEventHandler, EstimateRequestHandler>();
        return builder;
    }

    /// <summary>
    /// The tenants' challenger aliases for canary and shadow releases: always resolvable (it loads nothing until asked), kept fresh
    /// and reloaded on model-deployed only when a release mode is configured.
    /// </summary>
    private static void AddRelease(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp =>
        {
            var monitor = sp.GetRequiredService<IOptionsMonitor<ValuationOptions>>();
            var loader = sp.GetRequiredService<IModelLoader<ValuationModel>>();
            var challengers = new TenantChampions<ValuationModel>(
                sp.GetRequiredService<ModelRegistry>(),
                monitor.CurrentValue.ModelName,
                loader.Load,
                monitor.CurrentValue.CacheTtl,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<ChampionModelCache<ValuationModel>>(),
                ModelRegistry.Challenger,
                monitor.CurrentValue.MaxLoadedTenants);
            return new ReleaseRouter(challengers, () => monitor.CurrentValue.Release);
        });

        var mode = configuration.GetSection(ValuationOptions.SectionName).Get<ValuationOptions>()?.Release.Mode ?? ReleaseMode.None;
        if (mode != ReleaseMode.None)
        {
            services.AddSingleton<IEventHandler>(sp => new ModelDeployedHandler<ValuationModel>(sp.GetRequiredService<ReleaseRouter>().Challengers));
            services.AddSingleton<IHostedService>(sp => new ChampionRefresher<ValuationModel>(
                sp.GetRequiredService<ReleaseRouter>().Challengers,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ChampionRefresher<ValuationModel>>>()));
        }
    }

    /// <summary>
    /// Maps the valuation routes: estimates, model info and reload, metrics, monitoring. The platform-wide registry routes are
    /// the host's to map (<see cref="RegistryEndpoints.MapRegistryEndpoints"/>).
    /// </summary>
    public static WebApplication MapValuationApi(this WebApplication app)
    {
        app.MapEstimateEndpoints();
        app.MapModelEndpoints();
        app.MapMetricsEndpoints();
        app.MapMonitoringEndpoints();

        // Instruments are created with the metrics object; resolve it now so gauges exist before the first request.
        app.Services.GetRequiredService<ValuationMetrics>();
        return app;
    }
}
