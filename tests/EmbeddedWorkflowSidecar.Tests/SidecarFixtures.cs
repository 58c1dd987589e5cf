using Dapr.Workflow;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Testing;

namespace Platform.EmbeddedWorkflowSidecar.Tests;

/// <summary>A fresh database without the platform's migrations: the sidecar creates its own tables.</summary>
public sealed class SidecarDatabase : PostgresDatabaseFixture
{
    protected override bool ApplyMigrations => false;
}

/// <summary>A real host running the Dapr Workflow SDK worker (all test workflows registered) against a sidecar endpoint.</summary>
public sealed class WorkflowAppHost : IAsyncDisposable
{
    private readonly IHost _host;

    private WorkflowAppHost(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<DaprWorkflowClient>();
    }

    public DaprWorkflowClient Client { get; }

    public IServiceProvider Services => _host.Services;

    public static async Task<WorkflowAppHost> StartAsync(
        string endpoint, Action<WorkflowRuntimeOptions>? register = null, ActivityProbe? probe = null, IDictionary<string, string?>? configuration = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration[EmbeddedWorkflowSidecarExtensions.DaprGrpcEndpointKey] = endpoint;
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        builder.Services.AddSingleton(probe ?? new ActivityProbe());
        builder.Services.AddDaprWorkflow(register ?? TestWorkflows.Register);
        var host = builder.Build();
        await host.StartAsync();
        return new WorkflowAppHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(5));
        _host.Dispose();
    }
}

/// <summary>Where a conformance run gets its sidecar from.</summary>
public abstract class SidecarBackendFixture : IAsyncLifetime
{
    private WorkflowAppHost? _app;

    public WorkflowAppHost App => _app ?? throw new InvalidOperationException("No sidecar is configured for this run.");

    public DaprWorkflowClient Client => App.Client;

    public ActivityProbe Probe => App.Services.GetRequiredService<ActivityProbe>();

    protected abstract Task<string?> StartSidecarAsync();

    protected virtual Task StopSidecarAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        if (await StartSidecarAsync() is { } endpoint)
        {
            _app = await WorkflowAppHost.StartAsync(endpoint);
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await StopSidecarAsync();
    }
}

/// <summary>The embedded sidecar on a throwaway PostgreSQL database.</summary>
public sealed class EmbeddedSidecarFixture : SidecarBackendFixture
{
    private readonly SidecarDatabase _database = new();
    private WorkflowSidecarServer? _server;

    public NpgsqlDataSource DataSource => _database.DataSource;

    protected override async Task<string?> StartSidecarAsync()
    {
        await _database.InitializeAsync();
        _server = await WorkflowSidecarServer.StartAsync(_database.DataSource, new WorkflowSidecarOptions { LeaseDuration = TimeSpan.FromSeconds(3) });
        return _server.Endpoint;
    }

    protected override async Task StopSidecarAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await _database.DisposeAsync();
    }
}

/// <summary>A real daprd named by <c>DAPR_GRPC_ENDPOINT</c>; without it the suite is reported skipped.</summary>
public sealed class RealSidecarFixture : SidecarBackendFixture
{
    public const string EndpointVariable = "DAPR_GRPC_ENDPOINT";

    protected override Task<string?> StartSidecarAsync() =>
        Task.FromResult(Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } endpoint ? endpoint : null);
}
