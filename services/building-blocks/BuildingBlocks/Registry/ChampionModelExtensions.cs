using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.BuildingBlocks.Registry;

/// <summary>
/// How one service names the parts of its champion model: the configuration section of its options, the readiness check, and
/// the meter and instrument of the serving-version gauge.
/// </summary>
public sealed record ChampionModelSetup(
    string SectionName,
    string ReadyCheckName,
    string MeterName,
    string VersionInstrument,
    string VersionDescription);

/// <summary>"Serve the current champion of a registered model", written once for every service that serves one.</summary>
public static class ChampionModelExtensions
{
    /// <summary>
    /// Registers the champion of <typeparamref name="TModel"/>: options bound from <see cref="ChampionModelSetup.SectionName"/>
    /// and validated at start, the per-tenant <see cref="TenantChampions{TModel}"/> (loading files with the registered
    /// <see cref="IModelLoader{TModel}"/>), a background <see cref="ChampionRefresher{TModel}"/>, reload on model-deployed,
    /// the serving-version gauge and a readiness check that fails until a model is loaded. Needs the registry and pub/sub
    /// (<c>AddPlatformBuildingBlocks</c>) and an <see cref="IModelLoader{TModel}"/>.
    /// </summary>
    public static IHostApplicationBuilder AddChampionModel<TModel, TOptions>(this IHostApplicationBuilder builder, ChampionModelSetup setup)
        where TModel : class
        where TOptions : ChampionModelOptions =>
        builder.AddChampionModel<TModel, TOptions, ChampionRefresher<TModel>>(setup);

    /// <summary>
    /// <see cref="AddChampionModel{TModel,TOptions}"/> with a refresher of the service's own, which keeps the champion fresh
    /// and does its own work on a new one (the twin reindexes); it is a hosted service and woken on model-deployed.
    /// </summary>
    public static IHostApplicationBuilder AddChampionModel<TModel, TOptions, TRefresher>(this IHostApplicationBuilder builder, ChampionModelSetup setup)
        where TModel : class
        where TOptions : ChampionModelOptions
        where TRefresher : class, IChampionRefresher<TModel>, IHostedService
    {
        var services = builder.Services;
        services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(setup.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<TOptions>>().Value;
            var loader = sp.GetRequiredService<IModelLoader<TModel>>();
            var champions = new TenantChampions<TModel>(
                sp.GetRequiredService<ModelRegistry>(),
                settings.ModelName,
                loader.Load,
                settings.CacheTtl,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<ChampionModelCache<TModel>>(),
                capacity: settings.MaxLoadedTenants)
            {
                RetryAfterSeconds = settings.RetryAfterSeconds,
            };
            ObserveServingVersion(sp.GetRequiredService<IMeterFactory>(), champions, setup);
            return champions;
        });

        services.AddSingleton<TRefresher>();
        services.AddSingleton<IChampionRefresher<TModel>>(sp => sp.GetRequiredService<TRefresher>());
        services.AddHostedService(sp => sp.GetRequiredService<TRefresher>());
        services.AddSingleton<IEventHandler>(sp => new ModelDeployedHandler<TModel>(
            sp.GetRequiredService<TenantChampions<TModel>>(), sp.GetRequiredService<IChampionRefresher<TModel>>()));

        services.AddHealthChecks().AddCheck<ChampionModelReadyHealthCheck<TModel>>(setup.ReadyCheckName, tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// The serving version of each tenant held as a gauge on the service's own meter, labelled with the model name and tenant;
    /// nothing before a load.
    /// </summary>
    private static void ObserveServingVersion<TModel>(IMeterFactory meterFactory, TenantChampions<TModel> champions, ChampionModelSetup setup)
        where TModel : class =>
        meterFactory.Create(setup.MeterName).CreateObservableGauge(setup.VersionInstrument, () => champions.Held
            .Where(cache => cache.Current is not null)
            .Select(cache => new Measurement<int>(cache.Current!.Version.Version,
                new KeyValuePair<string, object?>("model", cache.ModelName), new KeyValuePair<string, object?>("tenant", cache.TenantId))),
            description: setup.VersionDescription);
}
