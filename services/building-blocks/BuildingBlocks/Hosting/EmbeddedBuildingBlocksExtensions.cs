using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.StateStore;

namespace Platform.BuildingBlocks.Hosting;

public sealed class EmbeddedOptions
{
    public const string SectionName = "Platform:Embedded";

    /// <summary>Folder of the file artifact store (model files, reports, dataset snapshots).</summary>
    public string ArtifactsPath { get; set; } = ".platform/artifacts";
}

public static class EmbeddedBuildingBlocksExtensions
{
    /// <summary>
    /// The building blocks without Dapr: state in a PostgreSQL table, pub/sub in process, artifacts in a folder.
    /// Needs an <see cref="NpgsqlDataSource"/> registered by the host.
    /// </summary>
    public static IServiceCollection AddEmbeddedBuildingBlocks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmbeddedOptions>()
            .Bind(configuration.GetSection(EmbeddedOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.ArtifactsPath), "Platform:Embedded:ArtifactsPath is required.")
            .ValidateOnStart();
        services.AddOptions<InProcessEventBusOptions>().Bind(configuration.GetSection("Platform:EventBus"));

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IStateStore>(sp => new PostgresStateStore(sp.GetRequiredService<NpgsqlDataSource>(),
            schemaOwner: sp.GetKeyedService<NpgsqlDataSource>(PlatformBuildingBlocksExtensions.OwnerDataSourceKey)));
        services.TryAddSingleton<IArtifactStore>(sp =>
            new FileSystemArtifactStore(sp.GetRequiredService<IOptions<EmbeddedOptions>>().Value.ArtifactsPath));
        services.TryAddSingleton<InProcessEventBus>();
        services.TryAddSingleton<IEventPublisher>(sp => sp.GetRequiredService<InProcessEventBus>());
        services.AddHostedService(sp => sp.GetRequiredService<InProcessEventBus>());
        services.TryAddSingleton<ModelRegistry>();
        return services;
    }
}
