using System.Net;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Platform.EmbeddedWorkflowSidecar;

/// <summary>
/// A running embedded sidecar: <c>TaskHubSidecarService</c> on its own HTTP/2 Kestrel listener, state in PostgreSQL.
/// Hosts use <see cref="EmbeddedWorkflowSidecarExtensions.AddEmbeddedWorkflowSidecar"/>; tests and benchmarks start
/// one directly and point <c>DAPR_GRPC_ENDPOINT</c> at <see cref="Endpoint"/>.
/// </summary>
public sealed class WorkflowSidecarServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WorkDispatcher _dispatcher;
    private int _stopped;

    private WorkflowSidecarServer(WebApplication app, WorkDispatcher dispatcher, string endpoint)
    {
        _app = app;
        _dispatcher = dispatcher;
        Endpoint = endpoint;
        SidecarId = dispatcher.SidecarId;
    }

    /// <summary>The address clients and workers use, e.g. <c>http://127.0.0.1:50001</c>.</summary>
    public string Endpoint { get; }

    /// <summary>This process's lease-holder id in <c>workflow_sidecar.sidecars</c>.</summary>
    public string SidecarId { get; }

    /// <summary>
    /// Workflow workers connected to this sidecar now (open <c>GetWorkItems</c> streams). A worker's host has started before
    /// its stream opens, so "the host is up" does not yet mean this sidecar can hand it work.
    /// </summary>
    public int ConnectedWorkers => _dispatcher.ConnectedWorkers;

    /// <summary>Completes once at least <paramref name="count"/> workers are connected to this sidecar.</summary>
    public Task WaitForWorkersAsync(int count, CancellationToken cancellationToken = default) => _dispatcher.WaitForWorkersAsync(count, cancellationToken);

    /// <summary>Creates the tables if needed, then listens. Returns once clients can connect.</summary>
    /// <param name="dataSource">Where the sidecar's state lives; the sidecar works through this connection.</param>
    /// <param name="options">Address, leases and limits (defaults when null).</param>
    /// <param name="loggerFactory">Where the sidecar logs (nowhere when null).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="schemaOwner">
    /// The database's owner connection, where the host has one: it creates the tables and grants <paramref name="dataSource"/>'s
    /// role their use, so the working connection needs no right to create anything. Without it the tables are created on
    /// <paramref name="dataSource"/>.
    /// </param>
    public static async Task<WorkflowSidecarServer> StartAsync(
        NpgsqlDataSource dataSource, WorkflowSidecarOptions? options = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default,
        NpgsqlDataSource? schemaOwner = null)
    {
        options ??= new WorkflowSidecarOptions();
        var address = new Uri(string.IsNullOrWhiteSpace(options.Address) ? "http://127.0.0.1:0" : options.Address);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton(loggerFactory));
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            void Http2(ListenOptions listen) => listen.Protocols = HttpProtocols.Http2;
            switch (address.Host)
            {
                case "localhost" when address.Port != 0:
                    kestrel.ListenLocalhost(address.Port, Http2);
                    break;
                case "localhost":
                    kestrel.Listen(IPAddress.Loopback, 0, Http2);
                    break;
                case "0.0.0.0" or "*" or "+" or "[::]":
                    kestrel.ListenAnyIP(address.Port, Http2);
                    break;
                default:
                    kestrel.Listen(IPAddress.Parse(address.Host.Trim('[', ']')), address.Port, Http2);
                    break;
            }
        });

        builder.Services.AddSingleton(dataSource);
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(new SidecarStore(dataSource, options.MaxDatabaseConnections));
        builder.Services.AddSingleton(new SidecarSchemaOwner(schemaOwner));
        builder.Services.AddSingleton<WorkDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkDispatcher>());
        builder.Services.AddGrpc(grpc =>
        {
            // Work items carry whole histories; daprd's limit is larger than gRPC's 4 MB default too.
            grpc.MaxReceiveMessageSize = 64 * 1024 * 1024;
            grpc.MaxSendMessageSize = null;
            // Callers are local workers and clients: the real cause of a failure helps them more than a generic one.
            grpc.EnableDetailedErrors = true;
        });
        builder.Services.AddSingleton<SidecarGrpcService>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<SidecarGrpcService>, SidecarMethodProvider>());

        var app = builder.Build();
        app.MapGrpcService<SidecarGrpcService>();
        var dispatcher = app.Services.GetRequiredService<WorkDispatcher>();
        dispatcher.Address = address.ToString();
        await app.StartAsync(cancellationToken);

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The workflow sidecar is not listening.");
        var boundUri = new Uri(bound);
        var endpoint = boundUri.Host is "0.0.0.0" or "[::]" or "::" ? $"http://127.0.0.1:{boundUri.Port}" : $"http://{boundUri.Host}:{boundUri.Port}";
        return new WorkflowSidecarServer(app, dispatcher, endpoint);
    }

    /// <summary>Stops listening and gives this sidecar's leases back so another one takes over at once.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
