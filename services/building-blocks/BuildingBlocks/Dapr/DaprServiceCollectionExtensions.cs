using global::Dapr.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.StateStore;

namespace Platform.BuildingBlocks.Dapr;

public static class DaprServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Dapr adapters of the ports (<see cref="IStateStore"/>, <see cref="IEventPublisher"/>,
    /// <see cref="IArtifactStore"/>, <see cref="IServiceInvoker"/>) and the <see cref="DaprClient"/> they share. Options come
    /// from the <c>Dapr</c> configuration section and are validated at start; the tokens default to the
    /// <c>DAPR_API_TOKEN</c> environment variable and to the app API token of <see cref="PlatformAuthOptions.DaprAppTokenFrom"/>
    /// (<c>Platform:Auth:DaprAppToken</c>, else <c>APP_API_TOKEN</c>).
    /// </summary>
    public static IServiceCollection AddDaprBuildingBlocks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DaprOptions>()
            .Bind(configuration.GetSection(DaprOptions.SectionName))
            .PostConfigure(options =>
            {
                options.DaprApiToken ??= NullIfEmpty(configuration["DAPR_API_TOKEN"] ?? Environment.GetEnvironmentVariable("DAPR_API_TOKEN"));
                // The same secret the platform authentication accepts as the sidecar's service credential (Platform:Auth:DaprAppToken).
                options.AppApiToken ??= PlatformAuthOptions.DaprAppTokenFrom(configuration);
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The SDK would also read DAPR_API_TOKEN itself; passing it explicitly makes the Dapr:DaprApiToken setting work too.
        services.AddDaprClient((provider, builder) =>
        {
            var options = provider.GetRequiredService<IOptions<DaprOptions>>().Value;
            if (options.GrpcEndpoint is not null)
            {
                builder.UseGrpcEndpoint(options.GrpcEndpoint);
            }

            if (options.HttpEndpoint is not null)
            {
                builder.UseHttpEndpoint(options.HttpEndpoint);
            }

            if (options.DaprApiToken is not null)
            {
                builder.UseDaprApiToken(options.DaprApiToken);
            }
        });

        services.Replace(ServiceDescriptor.Singleton<IStateStore, DaprStateStore>());
        services.Replace(ServiceDescriptor.Singleton<IEventPublisher, DaprEventPublisher>());
        services.Replace(ServiceDescriptor.Singleton<IArtifactStore, DaprArtifactStore>());
        services.Replace(ServiceDescriptor.Singleton<IServiceInvoker, DaprServiceInvoker>());
        return services;
    }

    /// <summary>
    /// Adds the app-token check for sidecar-only routes and maps <c>/dapr/subscribe</c> and the topic routes of every
    /// <see cref="IEventHandler"/>. Call early in the pipeline, so the token check runs before the endpoints.
    /// </summary>
    public static WebApplication UseDaprBuildingBlocks(this WebApplication app)
    {
        app.UseMiddleware<AppApiTokenMiddleware>();
        app.MapDaprSubscriptions();
        return app;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
