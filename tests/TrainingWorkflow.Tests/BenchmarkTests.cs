using Platform.BuildingBlocks.StateStore;
using Platform.TrainingWorkflow.Engine;

namespace Platform.TrainingWorkflow.Tests;

public sealed class BenchmarkTests
{
    [Fact]
    public async Task Benchmark_runs_every_activity_and_cleans_up_after_itself()
    {
        var store = new InMemoryStateStore();

        var result = await WorkflowEngineBenchmark.RunAsync(store, instances: 2, activitiesPerInstance: 3);

        Assert.Equal(2, result.Instances);
        Assert.True(result.SequentialMsPerActivity > 0);
        Assert.Empty(await store.ListKeysAsync("workflow|"));
    }
}
