using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.MarketData.Postgres;
using Platform.PortfolioTwin.Api.Data;
using Platform.PortfolioTwin.Api.Endpoints;
using Platform.PortfolioTwin.Api.Indexing;
using Platform.PortfolioTwin.Api.Interactions;
using Platform.PortfolioTwin.Api.Serving;
using Platform.PortfolioTwin.Api.Valuation;

namespace Platform.PortfolioTwin.Api;

/// <summary>The portfolio-twin module: what <c>Program</c> and the all-in-one host compose.</summary>
public static class PortfolioTwinModule
{
    public const string ReadyCheckName = "portfolio-twin-model";

    /// <summary>
    /// Registers options, the champion cache and its reload handlers, scoring, interaction ingestion, index maintenance, the
    /// interactions and properties subscriptions and metrics. Needs service defaults, the building blocks
    /// (<c>AddPlatformBuildingBlocks</c>: NpgsqlDataSource, registry, pub/sub) and an <c>IVectorIndex</c> (<c>AddVectorIndex</c>).
    /// </summary>
    public static IHostApplicationBuilder AddPortfolioTwin(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PortfolioTwinOptions>()
            .Bind(builder.Configuration.GetSection(PortfolioTwinOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ITwinModelLoader, TwinModelLoader>();
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<PortfolioTwinOptions>>().Value;
            var loader = sp.GetRequiredService<ITwinModelLoader>();
            return new ChampionModelCache<IServedTwin>(
                sp.GetRequiredService<ModelRegistry>(),
                settings.ModelName,
                loader.Load,
                settings.CacheTtl,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<ChampionModelCache<IServedTwin>>());
        });
        services.AddSingleton<IEventHandler, ModelDeployedHandler<IServedTwin>>();

        // Market-data stores (tenant-scoped, row-level secured); TryAdd so the all-in-one host can share its own.
        services.TryAddSingleton<TenantConnectionFactory>();
        services.TryAddSingleton<PropertyStore>();
        services.TryAddSingleton<InteractionStore>();
        services.TryAddSingleton<UserStore>();
        services.TryAddSingleton<TenantStore>();
        services.TryAddSingleton<ITwinDataStore, PostgresTwinDataStore>();
        // The estimated-value feature, served as it was trained: the all-in-one host registers valuation in process first;
        // under Dapr the valuation service is asked; a standalone embedded twin has no price model and leaves it unknown.
        if (PlatformBuildingBlocksExtensions.RuntimeOf(builder.Configuration) == PlatformRuntime.Dapr)
        {
            services.TryAddSingleton<IEstimatedValueProvider, ValuationServiceEstimates>();
        }
        else
        {
            services.TryAddSingleton<IEstimatedValueProvider, NoEstimatedValueProvider>();
        }


        services.AddSingleton<UserVectorCache>();
        services.AddSingleton<UserVectorResolver>();
        services.AddSingleton<PortfolioTwinMetrics>();
        services.AddSingleton<TwinScoringService>();
        services.AddSingleton<InteractionIngestion>();
        services.AddSingleton<PropertyIndexer>();
        services.AddSingleton<IndexMaintenance>();
        services.AddHostedService(sp => sp.GetRequiredService<IndexMaintenance>());
        services.AddSingleton<IEventHandler, TwinModelDeployedHandler>();
        services.AddSingleton<IEventHandler, InteractionsEventHandler>();
        services.AddSingleton<IEventHandler, PropertiesEventHandler>();

        services.AddHealthChecks().AddCheck<TwinModelReadyHealthCheck>(ReadyCheckName, tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>Maps the twin routes: predictions, recommendations and explanations, similarity and embeddings, interactions, index admin.</summary>
    public static WebApplication MapPortfolioTwinApi(this WebApplication app)
    {
        app.MapPredictionEndpoints();
        app.MapRecommendationEndpoints();
        app.MapSimilarityEndpoints();
        app.MapInteractionEndpoints();
        app.MapIndexEndpoints();
        app.MapUserEndpoints();

        // Instruments are created with the metrics object; resolve it now so gauges exist before the first request.
        app.Services.GetRequiredService<PortfolioTwinMetrics>();
        return app;
    }
}
