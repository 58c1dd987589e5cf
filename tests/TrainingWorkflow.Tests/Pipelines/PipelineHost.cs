using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.StateStore;
using Platform.MarketData.Synthetic;
using Platform.TrainingWorkflow.Engine;
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
/// The pipelines as the platform host composes them: the real engine and registry on a PostgreSQL state store, the
/// in-process bus and a folder artifact store. Hosted services other than the runtime and the bus (the cron scheduler)
/// are not started.
/// </summary>
public sealed class PipelineHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly string _artifactRoot;

    private PipelineHost(ServiceProvider provider, string artifactRoot, RecordingHandler deployed)
    {
        _provider = provider;
        _artifactRoot = artifactRoot;
        Deployed = deployed;
    }

    public WorkflowClient Client => _provider.GetRequiredService<WorkflowClient>();

    public ModelRegistry Registry => _provider.GetRequiredService<ModelRegistry>();

    public IArtifactStore Artifacts => _provider.GetRequiredService<IArtifactStore>();

    public InProcessEventBus Bus => _provider.GetRequiredService<InProcessEventBus>();

    public RecordingHandler Deployed { get; }

    public static async Task<PipelineHost> StartAsync(NpgsqlDataSource dataSource, string stateTable)
    {
        var artifactRoot = Path.Combine(Path.GetTempPath(), "pipelines-" + Guid.NewGuid().ToString("N")[..8]);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Platform:Pipelines:RetrainingCron"] = "" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(builder => builder.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(dataSource);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IStateStore>(new PostgresStateStore(dataSource, stateTable));
        services.AddSingleton<IArtifactStore>(new FileSystemArtifactStore(artifactRoot));
        services.AddSingleton<ModelRegistry>();
        services.AddOptions<InProcessEventBusOptions>();
        services.AddSingleton<InProcessEventBus>();
        services.AddSingleton<IEventPublisher>(sp => sp.GetRequiredService<InProcessEventBus>());
        services.AddTrainingPipelines(configuration);
        services.AddWorkflowEngine(options => options.PollInterval = TimeSpan.FromMilliseconds(200));
        var deployed = new RecordingHandler(Topics.ModelDeployed);
        services.AddSingleton<IEventHandler>(deployed);
        var host = new PipelineHost(services.BuildServiceProvider(), artifactRoot, deployed);
        await host._provider.GetRequiredService<WorkflowRuntime>().StartAsync(CancellationToken.None);
        await host.Bus.StartAsync(CancellationToken.None);
        return host;
    }

    public async Task<WorkflowState> RunAsync(string workflow, object input, string? instanceId = null, TimeSpan? timeout = null)
    {
        var id = await Client.ScheduleNewWorkflowAsync(workflow, instanceId, input);
        return await WaitAsync(id, timeout);
    }

    public async Task<WorkflowState> WaitAsync(string instanceId, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        var state = await Client.WaitForWorkflowCompletionAsync(instanceId, cancellationToken: cancel.Token);
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
        await _provider.GetRequiredService<WorkflowRuntime>().StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
        if (Directory.Exists(_artifactRoot))
        {
            Directory.Delete(_artifactRoot, recursive: true);
        }
    }
}
