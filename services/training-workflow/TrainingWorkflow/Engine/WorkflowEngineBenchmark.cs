using System.Diagnostics;
using Platform.BuildingBlocks.StateStore;

namespace Platform.TrainingWorkflow.Engine;

/// <summary>Engine overhead measured with activities that do nothing, so the time is all scheduling, replay and persistence.</summary>
public sealed record WorkflowEngineBenchmarkResult(
    int Instances,
    int ActivitiesPerInstance,
    TimeSpan SequentialElapsed,
    double SequentialMsPerActivity,
    TimeSpan ConcurrentElapsed,
    double ConcurrentActivitiesPerSecond)
{
    public override string ToString() =>
        $"workflow engine: {Instances} instances x {ActivitiesPerInstance} no-op activities; " +
        $"one at a time {SequentialMsPerActivity:F3} ms/activity ({SequentialElapsed.TotalMilliseconds:F0} ms); " +
        $"all at once {ConcurrentActivitiesPerSecond:F0} activities/s ({ConcurrentElapsed.TotalMilliseconds:F0} ms)";
}

/// <summary>
/// The engine benchmark the repo ships (target: overhead per activity under 5 ms). Runs a private engine on the given
/// store: first instances one after another (latency per activity), then all at once (throughput).
/// </summary>
public static class WorkflowEngineBenchmark
{
    public static async Task<WorkflowEngineBenchmarkResult> RunAsync(
        IStateStore store, int instances = 20, int activitiesPerInstance = 20, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instances, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(activitiesPerInstance, 1);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(store);
        services.AddWorkflowEngine(options => options
            .RegisterWorkflow<NoOpChainWorkflow>()
            .RegisterActivity<NoOpActivity>());
        await using var provider = services.BuildServiceProvider();
        var runtime = provider.GetRequiredService<WorkflowRuntime>();
        var client = provider.GetRequiredService<WorkflowClient>();
        await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var run = Guid.NewGuid().ToString("N")[..8];
            await RunOneAsync(client, $"bench-{run}-warmup", activitiesPerInstance, cancellationToken).ConfigureAwait(false);

            var sequential = Stopwatch.StartNew();
            for (var i = 0; i < instances; i++)
            {
                await RunOneAsync(client, $"bench-{run}-seq-{i}", activitiesPerInstance, cancellationToken).ConfigureAwait(false);
            }

            sequential.Stop();
            var concurrent = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, instances)
                .Select(i => RunOneAsync(client, $"bench-{run}-par-{i}", activitiesPerInstance, cancellationToken))).ConfigureAwait(false);
            concurrent.Stop();

            var total = instances * activitiesPerInstance;
            return new WorkflowEngineBenchmarkResult(
                instances,
                activitiesPerInstance,
                sequential.Elapsed,
                sequential.Elapsed.TotalMilliseconds / total,
                concurrent.Elapsed,
                total / concurrent.Elapsed.TotalSeconds);
        }
        finally
        {
            await runtime.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task RunOneAsync(WorkflowClient client, string instanceId, int activities, CancellationToken cancellationToken)
    {
        await client.ScheduleNewWorkflowAsync(nameof(NoOpChainWorkflow), instanceId, activities, cancellationToken).ConfigureAwait(false);
        var state = await client.WaitForWorkflowCompletionAsync(instanceId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        if (state.RuntimeStatus != WorkflowRuntimeStatus.Completed || state.ReadOutputAs<int>() != activities)
        {
            throw new InvalidOperationException($"Benchmark instance {instanceId} ended {state.RuntimeStatus}: {state.FailureDetails?.ErrorMessage}");
        }

        await client.PurgeInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
    }

    internal sealed class NoOpChainWorkflow : Workflow<int, int>
    {
        public override async Task<int> RunAsync(WorkflowContext context, int input)
        {
            var done = 0;
            for (var i = 0; i < input; i++)
            {
                done += await context.CallActivityAsync<int>(nameof(NoOpActivity), 1).ConfigureAwait(true);
            }

            return done;
        }
    }

    internal sealed class NoOpActivity : WorkflowActivity<int, int>
    {
        public override Task<int> RunAsync(WorkflowActivityContext context, int input) => Task.FromResult(input);
    }
}
