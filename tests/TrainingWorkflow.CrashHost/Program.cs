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
using Platform.TrainingWorkflow.CrashHost;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Pipelines.Shared;
using Platform.TrainingWorkflow.Workflows;

// usage: CrashHost <connection-string> <artifact-root> <workflow> <input> <instance-id>...
// Hosts the embedded sidecar and the Dapr Workflow worker on the database, starts (or finds) each instance, and exits 0
// once all have completed. Leases are short (3 s instead of 10) so that a killed host's work is taken over quickly, and each
// worker holds at most 4 items at a time so that no single host can take all of a fan-out. A host joins once its workflow
// worker is streaming work items from its sidecar (a started host is not yet a connected worker); with CRASH_HOSTS=N set,
// it starts its instances only once N hosts have joined, so a test of shared work does not depend on which process or
// which worker started faster.
var (connectionString, artifactRoot, workflow, input, instanceIds) = (args[0], args[1], args[2], int.Parse(args[3]), args[4..]);
await using var dataSource = NpgsqlDataSource.Create(connectionString);
await CrashLog.EnsureAsync(dataSource);

var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Platform:WorkflowSidecar:LeaseDuration"] = "00:00:03",
    ["Platform:WorkflowSidecar:MaxInFlightPerWorker"] = "4",
});
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(dataSource);
builder.Services.AddSingleton<IStateStore>(new PostgresStateStore(dataSource, "crash_state"));
builder.Services.AddSingleton<IArtifactStore>(new FileSystemArtifactStore(artifactRoot));
builder.Services.AddSingleton<ModelRegistry>();
builder.Services.AddSingleton<IEventPublisher, RecordingPublisher>();
builder.AddEmbeddedWorkflowSidecar();
builder.Services.AddPlatformWorkflows(catalog => catalog
    .RegisterWorkflow<ThreeStepWorkflow>()
    .RegisterWorkflow<TimerWorkflow>()
    .RegisterWorkflow<FanOutWorkflow>()
    .RegisterWorkflow<DeployWorkflow>()
    .RegisterActivity<RecordedStep>()
    .RegisterActivity<DeployThenLinger>());
using var host = builder.Build();
await host.StartAsync();
using (var connecting = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
{
    await host.Services.GetRequiredService<WorkflowSidecarServer>().WaitForWorkersAsync(1, connecting.Token);
}

await CrashLog.JoinAsync(dataSource, int.Parse(Environment.GetEnvironmentVariable("CRASH_HOSTS") ?? "1"), TimeSpan.FromSeconds(30));

var workflows = host.Services.GetRequiredService<WorkflowManagement>();
foreach (var instanceId in instanceIds)
{
    object workflowInput = workflow == nameof(DeployWorkflow)
        ? new DeployModelRequest { TenantId = "crash-tenant", ModelName = "crash-model", StagedArtifactId = "staged/model.bin", Alias = ModelRegistry.Champion, DataHash = "h1" }
        : input;
    await workflows.StartAsync(workflow, instanceId, workflowInput);
}

var ok = true;
foreach (var instanceId in instanceIds)
{
    var state = await workflows.WaitForCompletionAsync(instanceId);
    ok &= state.RuntimeStatus == WorkflowRuntimeStatus.Completed;
}

await host.StopAsync();
return ok ? 0 : 1;
