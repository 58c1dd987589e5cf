using System.Collections.Concurrent;
using Dapr.Workflow;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
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
/// the PostgreSQL fixture (registry pointers in a state table of the test's own), the in-process bus, a folder artifact
/// store and the management API on a TestServer (key <see cref="ApiKey"/>).
/// </summary>
public sealed class PipelineHost : IAsyncDisposable
{
    public const string ApiKey = "pipeline-test-key";

    private readonly WebApplication _host;
    private readonly string _artifactRoot;

    private PipelineHost(WebApplication host, string artifactRoot, RecordingHandler deployed)
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

    public IServiceProvider Services => _host.Services;

    /// <summary>A client of the management API with the admin key, or with <paramref name="apiKey"/>.</summary>
    public HttpClient CreateHttpClient(string? apiKey = null)
    {
        var http = _host.GetTestClient();
        http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, apiKey ?? ApiKey);
        return http;
    }

    /// <param name="settings">Configuration on top of the defaults (the weekly schedule is off unless a setting turns it on).</param>
    public static async Task<PipelineHost> StartAsync(NpgsqlDataSource dataSource, string stateTable, IDictionary<string, string?>? settings = null)
    {
        var artifactRoot = Path.Combine(Path.GetTempPath(), "pipelines-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Platform:Pipelines:RetrainingCron"] = "" });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var services = builder.Services;
        services.AddProblemDetails();
        services.Configure<ApiKeyOptions>(o => o.ApiKeys.Add(ApiKey));
        builder.AddPlatformAuth();
        services.AddSingleton(dataSource);
        services.AddAuditLog();
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
        var app = builder.Build();
        // Authorization and the tenant after authentication, as the services compose them (both read the user it set).
        app.UsePlatformAuth();
        app.UsePlatformAuthorization();
        app.MapWorkflowManagementApi();
        var host = new PipelineHost(app, artifactRoot, deployed);
        try
        {
            await host._host.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

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
        await _host.DisposeAsync();
        if (Directory.Exists(_artifactRoot))
        {
            Directory.Delete(_artifactRoot, recursive: true);
        }
    }
}
