using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.BuildingBlocks.StateStore;
using Platform.TrainingWorkflow.CrashHost;
using Platform.TrainingWorkflow.Engine;

// usage: CrashHost <connection-string> <instance-id> <host-id>
// Runs the engine on the PostgreSQL state store, starts (or finds) the instance, and exits 0 once it has completed.
var (connectionString, instanceId, hostId) = (args[0], args[1], args[2]);
await using var dataSource = NpgsqlDataSource.Create(connectionString);
await ExecutionLog.EnsureAsync(dataSource);

var services = new ServiceCollection();
services.AddLogging(builder => builder.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
services.AddSingleton(dataSource);
services.AddSingleton<IStateStore>(new PostgresStateStore(dataSource));
services.AddWorkflowEngine(options =>
{
    options.RegisterWorkflow<ThreeStepWorkflow>().RegisterActivity<RecordedStep>();
    options.HostId = hostId;
    options.LeaseDuration = TimeSpan.FromSeconds(3);
    options.PollInterval = TimeSpan.FromMilliseconds(200);
});
await using var provider = services.BuildServiceProvider();
var runtime = provider.GetRequiredService<WorkflowRuntime>();
var client = provider.GetRequiredService<WorkflowClient>();
await runtime.StartAsync(CancellationToken.None);
await client.StartWorkflowAsync(nameof(ThreeStepWorkflow), instanceId, 3, CancellationToken.None);
var state = await client.WaitForWorkflowCompletionAsync(instanceId, cancellationToken: CancellationToken.None);
await runtime.StopAsync(CancellationToken.None);
return state.RuntimeStatus == WorkflowRuntimeStatus.Completed ? 0 : 1;
