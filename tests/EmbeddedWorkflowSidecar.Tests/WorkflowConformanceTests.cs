using Dapr.Workflow;

namespace Platform.EmbeddedWorkflowSidecar.Tests;

/// <summary>
/// The behaviour every Dapr Workflow sidecar must show, each a small workflow run by the real SDK worker and
/// managed through <see cref="DaprWorkflowClient"/>. Runs against the embedded backend and, when configured, daprd.
/// </summary>
public abstract class WorkflowConformanceTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : SidecarBackendFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    protected DaprWorkflowClient Client => fixture.Client;

    protected ActivityProbe Probe => fixture.Probe;

    protected static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    protected async Task<WorkflowState> CompletionAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await Client.WaitForWorkflowCompletionAsync(instanceId, cancellation: timeout.Token);
    }

    [ConformanceFact]
    public async Task Activity_chain_runs_in_order_and_returns_the_result()
    {
        var id = await Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), NewId("chain"), new ChainInput(10, 5));

        var state = await CompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(15, state.ReadOutputAs<int>());
    }
}

public sealed class EmbeddedSidecarConformanceTests(EmbeddedSidecarFixture fixture) : WorkflowConformanceTests<EmbeddedSidecarFixture>(fixture);

public sealed class RealSidecarConformanceTests(RealSidecarFixture fixture) : WorkflowConformanceTests<RealSidecarFixture>(fixture), IRunsOnRealSidecar;
