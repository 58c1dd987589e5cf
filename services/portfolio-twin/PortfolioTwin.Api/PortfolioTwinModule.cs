using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.MarketData.Hosting;
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
    /// Registers options and the twin champion (the building blocks' champion-model block, refreshed by
    /// <see cref="IndexMaintenance"/> so a new champion is indexed before it serves), scoring, interaction ingestion, the
    /// interactions and properties subscriptions and metrics. Needs service defaults, the building blocks
    /// (<c>AddPlatformBuildingBlocks</c>: NpgsqlDataSource, registry, pub/sub) and an <c>IVectorIndex</c> (<c>AddVectorIndex</c>);
    /// adds the market data itself (<c>AddMarketData</c>).
    /// </summary>
    public static IHostApplicationBuilder AddPortfolioTwin(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        // The twin's requests, answers and the model's metrics are on the platform's snake_case wire.
        services.AddWireContracts(typeof(PortfolioTwinModule).Assembly, typeof(Model.Evaluation.RankingMetrics).Assembly);
        services.TryAddSingleton<IModelLoader<IServedTwin>, TwinModelLoader>();
        builder.AddChampionModel<IServedTwin, PortfolioTwinOptions, IndexMaintenance>(new ChampionModelSetup(
            PortfolioTwinOptions.SectionName, ReadyCheckName, PortfolioTwinMetrics.MeterName,
            "platform.twin.model.version", "Registry version of the twin model serving."));

        // The market-data schema and stores (tenant-scoped, row-level secured), shared with the other modules of a host.
        builder.AddMarketData();
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
        services.AddSingleton<RecentSignalsCache>();
        services.AddSingleton<UserVectorResolver>();
        services.AddSingleton<PortfolioTwinMetrics>();
        services.AddSingleton<TwinScoringService>();
        services.AddSingleton<InteractionIngestion>();
        services.AddSingleton<PropertyIndexer>();
        services.AddSingleton<IEventHandler, InteractionsEventHandler>();
        services.AddSingleton<IEventHandler, PropertiesEventHandler>();
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
