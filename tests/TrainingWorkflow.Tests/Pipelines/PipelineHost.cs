using System.Collections.Concurrent;
using Dapr.Workflow;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.StateStore;
using Platform.EmbeddedWorkflowSidecar;
using Platform.MarketData.Synthetic;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Pipelines;

namespace Platform.TrainingWorkflow.Tests.Pipelines;

/// <summary>Records every event of one topic delivered by the in-process bus.</summary>
public sealed class RecordingHandler(string topic) : IEventHandler
{
    public ConcurrentQueue<CloudEvent> Received { get; } = new();

    public string Topic => topic;

    public Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        Received.Enqueue(cloudEvent);
        return Task.FromResult(DeliveryResult.Success);
    }
}

/// <summary>
/// The pipelines as the platform host composes them: the Dapr Workflow SDK on the embedded sidecar and the real registry on
/// the PostgreSQL fixture (registry pointers in a state table of the test's own), the in-process bus and a folder artifact
/// store.
/// </summary>
public sealed class PipelineHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _artifactRoot;

    private PipelineHost(IHost host, string artifactRoot, RecordingHandler deployed)
    {
        _host = host;
        _artifactRoot = artifactRoot;
        Deployed = deployed;
    }

    public WorkflowManagement Workflows => _host.Services.GetRequiredService<WorkflowManagement>();

    public ModelRegistry Registry => _host.Services.GetRequiredService<ModelRegistry>();

    public IArtifactStore Artifacts => _host.Services.GetRequiredService<IArtifactStore>();

    public InProcessEventBus Bus => _host.Services.GetRequiredService<InProcessEventBus>();

    public RecordingHandler Deployed { get; }

    public static async Task<PipelineHost> StartAsync(NpgsqlDataSource dataSource, string stateTable)
    {
        var artifactRoot = Path.Combine(Path.GetTempPath(), "pipelines-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Platform:Pipelines:RetrainingCron"] = "" });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var services = builder.Services;
        services.AddSingleton(dataSource);
        services.AddSingleton<IStateStore>(new PostgresStateStore(dataSource, stateTable));
        services.AddSingleton<IArtifactStore>(new FileSystemArtifactStore(artifactRoot));
        services.AddSingleton<ModelRegistry>();
        services.AddOptions<InProcessEventBusOptions>();
        services.AddSingleton<InProcessEventBus>();
        services.AddSingleton<IEventPublisher>(sp => sp.GetRequiredService<InProcessEventBus>());
        builder.AddEmbeddedWorkflowSidecar();
        services.AddTrainingPipelines(builder.Configuration);
        var deployed = new RecordingHandler(Topics.ModelDeployed);
        services.AddSingleton<IEventHandler>(deployed);
        var host = new PipelineHost(builder.Build(), artifactRoot, deployed);
        await host._host.StartAsync();
        await host.Bus.StartAsync(CancellationToken.None);
        return host;
    }

    public async Task<WorkflowInstanceView> RunAsync(string workflow, object input, string? instanceId = null, TimeSpan? timeout = null)
    {
        var (id, _) = await Workflows.StartAsync(workflow, instanceId, input);
        return await WaitAsync(id, timeout);
    }

    public async Task<WorkflowInstanceView> WaitAsync(string instanceId, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        var state = await Workflows.WaitForCompletionAsync(instanceId, cancel.Token);
        Assert.True(state.RuntimeStatus == WorkflowRuntimeStatus.Completed, $"{instanceId}: {state.RuntimeStatus} {state.FailureDetails?.ErrorMessage}");
        return state;
    }

    /// <summary>Loads a synthetic market (seeded) into the fixture database as <paramref name="tenant"/>.</summary>
    public static Task LoadMarketAsync(NpgsqlDataSource dataSource, string tenant, int properties, int users = 0, int interactionsPerUser = 1, int seed = 5) =>
        new PostgresMarketWriter(dataSource).WriteAsync(
            new SyntheticMarketGenerator(new SyntheticMarketOptions
            {
                TenantId = tenant,
                Properties = properties,
                Users = users,
                InteractionsPerUser = interactionsPerUser,
                Seed = seed,
            }),
            replace: false);

    public async ValueTask DisposeAsync()
    {
        await Bus.StopAsync(CancellationToken.None);
        await _host.StopAsync();
        _host.Dispose();
        if (Directory.Exists(_artifactRoot))
        {
            Directory.Delete(_artifactRoot, recursive: true);
        }
    }
}
