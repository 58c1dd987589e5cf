using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Platform.EmbeddedWorkflowSidecar;

public static class EmbeddedWorkflowSidecarExtensions
{
    /// <summary>The variable the Dapr Workflow SDK (worker and client) reads to find its sidecar.</summary>
    public const string DaprGrpcEndpointKey = "DAPR_GRPC_ENDPOINT";

    /// <summary>
    /// DI key of the database owner's <see cref="NpgsqlDataSource"/>, where the host registers one (the platform's building
    /// blocks do, from <c>ConnectionStrings:PostgresOwner</c>): it creates the sidecar's tables, the host's own data source
    /// only uses them.
    /// </summary>
    public const string OwnerDataSourceKey = "postgres-owner";

    /// <summary>
    /// Hosts the durable-task sidecar in this process (when not running under daprd), state in PostgreSQL through the
    /// <see cref="NpgsqlDataSource"/> in DI, and points the Dapr Workflow SDK at it. <b>Call before <c>AddDaprWorkflow</c></b>:
    /// it writes <c>DAPR_GRPC_ENDPOINT</c> into the configuration the SDK reads, and its hosted service is registered
    /// first so the sidecar listens before the SDK's worker starts. The running <see cref="WorkflowSidecarServer"/> (its
    /// endpoint, its connected workers) is in DI once the host has started.
    /// </summary>
    public static IHostApplicationBuilder AddEmbeddedWorkflowSidecar(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(WorkflowSidecarOptions.SectionName);
        var address = section[nameof(WorkflowSidecarOptions.Address)];
        if (string.IsNullOrWhiteSpace(address))
        {
            // The SDK's gRPC client is built before hosted services start, so the port is chosen now.
            address = $"http://127.0.0.1:{FreeLoopbackPort()}";
            builder.Configuration[$"{WorkflowSidecarOptions.SectionName}:{nameof(WorkflowSidecarOptions.Address)}"] = address;
        }

        var uri = new Uri(address);
        builder.Configuration[DaprGrpcEndpointKey] = uri.Host is "0.0.0.0" or "*" or "+" or "[::]" ? $"http://127.0.0.1:{uri.Port}" : $"http://{uri.Host}:{uri.Port}";

        var configuration = builder.Configuration;
        builder.Services.AddOptions<WorkflowSidecarOptions>()
            .Bind(section)
            .PostConfigure(options => options.ApiToken ??= configuration["DAPR_API_TOKEN"] ?? Environment.GetEnvironmentVariable("DAPR_API_TOKEN"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<EmbeddedWorkflowSidecarHost>();
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(sp => sp.GetRequiredService<EmbeddedWorkflowSidecarHost>()));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<EmbeddedWorkflowSidecarHost>().Server);
        builder.Services.AddHostedService<WorkflowRetentionService>();
        return builder;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Runs the <see cref="WorkflowSidecarServer"/> for the lifetime of the host.</summary>
internal sealed class EmbeddedWorkflowSidecarHost(NpgsqlDataSource dataSource, IServiceProvider services, IOptions<WorkflowSidecarOptions> options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private WorkflowSidecarServer? _server;

    public WorkflowSidecarServer Server => _server ?? throw new InvalidOperationException("The embedded workflow sidecar has not started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The host's owner connection (registered under this key by the platform's building blocks) creates the tables.
        var owner = services.GetKeyedService<NpgsqlDataSource>(EmbeddedWorkflowSidecarExtensions.OwnerDataSourceKey);
        _server = await WorkflowSidecarServer.StartAsync(dataSource, options.Value, loggerFactory, cancellationToken, schemaOwner: owner);
        loggerFactory.CreateLogger<EmbeddedWorkflowSidecarHost>().LogInformation("Embedded workflow sidecar listening on {Endpoint}.", _server.Endpoint);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
