using Dapr.Workflow;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Registry;
using Platform.Host;
using Platform.Testing;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Pipelines;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The main job on a data folder whose bootstrap run has already ended while the demo tenant has no champions (an earlier
/// release's folder: its models lie under registry keys of no tenant; or a failed first training): it trains again under a
/// new instance id instead of answering 503 for ever.
/// </summary>
public sealed class DemoBootstrapTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private const string Tenant = "demo";
    private static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan TrainingBudget = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_bootstrap_run_that_ended_without_leaving_champions_is_run_again_under_a_new_id()
    {
        using var workspace = new MainJobWorkspace(database.ConnectionString, "platform-bootstrap-");
        var bootstrapId = DemoBootstrapService.BootstrapInstanceIdFor(Tenant);

        // The earlier data folder: the bootstrap run of the demo tenant ran (on no data, so it ended at once) and left no champion.
        await using (var earlier = await workspace.StartAsync("--Platform:Demo:Enabled=false"))
        {
            var (id, created) = await earlier.Services.GetRequiredService<RetrainingTrigger>().StartBootstrapAsync(Tenant, "an earlier release", CancellationToken.None);
            Assert.Equal((bootstrapId, true), (id, created));
            using var timeout = new CancellationTokenSource(StartBudget);
            Assert.True((await earlier.Services.GetRequiredService<WorkflowManagement>().WaitForCompletionAsync(id, timeout.Token)).IsCompleted);
            Assert.Null(await earlier.Services.GetRequiredService<ModelRegistry>().ResolveAsync(Tenant, ModelNames.Price, ModelRegistry.Champion));
            await earlier.StopAsync();
        }

        await using var upgraded = await workspace.StartAsync(
            "--Platform:Demo:Properties=600", "--Platform:Demo:Users=30", "--Platform:Demo:InteractionsPerUser=40");
        var workflows = upgraded.Services.GetRequiredService<WorkflowManagement>();
        var rerun = await WaitForRunAsync(workflows, bootstrapId);

        Assert.StartsWith(bootstrapId + "-", rerun.InstanceId, StringComparison.Ordinal);
        Assert.Null(WorkflowInstanceId.Validate(rerun.InstanceId));
        var reason = (await workflows.GetAsync(rerun.InstanceId))!.ReadInputAs<PlatformRetrainingInput>()!.Reason;
        Assert.Equal($"bootstrap {bootstrapId} ended Completed without leaving a price and twin champions", reason);

        // The new run trains the seeded demo market and leaves a price champion: /estimate serves the tenant again. (Whether
        // the twin beats its baselines on a market this small is its gate's call, and it may refuse: not asserted here.)
        using var training = new CancellationTokenSource(TrainingBudget);
        var ended = await workflows.WaitForCompletionAsync(rerun.InstanceId, training.Token);
        Assert.Equal(WorkflowRuntimeStatus.Completed, ended.RuntimeStatus);
        var champion = await upgraded.Services.GetRequiredService<ModelRegistry>().ResolveAsync(Tenant, ModelNames.Price, ModelRegistry.Champion);
        Assert.NotNull(champion);
        // The champion is the version this run deployed, not one left from elsewhere.
        var price = ended.ReadOutputAs<PlatformRetrainingOutcome>()!.Price;
        Assert.Equal((true, champion.Version, ModelRegistry.Champion), (price.Deployed, price.Version, price.Alias));
        await upgraded.StopAsync();
    }

    /// <summary>The run the main job started beside the ended bootstrap run; the host starts it once it listens.</summary>
    private static async Task<WorkflowInstanceView> WaitForRunAsync(WorkflowManagement workflows, string bootstrapId)
    {
        var deadline = DateTime.UtcNow + StartBudget;
        while (true)
        {
            var runs = await workflows.ListAsync(PlatformRetrainingWorkflow.Name, null, 1, 50, WorkflowAccess.Tenant(Tenant));
            if (runs.Items.FirstOrDefault(run => run.InstanceId != bootstrapId) is { } rerun)
            {
                Assert.Equal(2, runs.TotalCount);
                return rerun;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No new run beside {bootstrapId} within {StartBudget.TotalSeconds:0} s.");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }
}
