using System.Diagnostics;
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

    /// <summary>Polls the state until <paramref name="condition"/> holds (for states no wait call reports, e.g. a custom status).</summary>
    protected async Task<WorkflowState> EventuallyAsync(string instanceId, Func<WorkflowState, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var state = await Client.GetWorkflowStateAsync(instanceId);
            if (condition(state))
            {
                return state;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Workflow {instanceId} never reached the expected state; it is {state.RuntimeStatus}.");
            await Task.Delay(50);
        }
    }

    [ConformanceFact]
    public async Task Activity_chain_runs_in_order_and_returns_the_result()
    {
        var id = await Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), NewId("chain"), new ChainInput(10, 5));

        var state = await CompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(15, state.ReadOutputAs<int>());
    }

    [ConformanceFact]
    public async Task Fan_out_of_fifty_activities_fans_in_with_every_result()
    {
        var id = await Client.ScheduleNewWorkflowAsync(nameof(FanOutWorkflow), NewId("fan"), 50);

        var state = await CompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(Enumerable.Range(1, 50).Sum(i => (long)i * i), state.ReadOutputAs<long>());
    }

    [ConformanceFact]
    public async Task Retry_policy_retries_with_growing_backoff_until_the_activity_succeeds()
    {
        var key = NewId("retry");
        var id = await Client.ScheduleNewWorkflowAsync(nameof(RetryWorkflow), key, new RetryInput(key, FailTimes: 2, MaxAttempts: 4, FirstIntervalMs: 300));

        var state = await CompletionAsync(id);

        Assert.Equal("succeeded on attempt 3", state.ReadOutputAs<string>());
        var attempts = Probe.Attempts[key].ToArray();
        Assert.Equal(3, attempts.Length);
        // First retry after ~300 ms, the second after ~600 ms (coefficient 2); allow scheduling slack below.
        Assert.True(attempts[1] - attempts[0] >= TimeSpan.FromMilliseconds(250), $"first retry after {(attempts[1] - attempts[0]).TotalMilliseconds} ms");
        Assert.True(attempts[2] - attempts[1] >= TimeSpan.FromMilliseconds(550), $"second retry after {(attempts[2] - attempts[1]).TotalMilliseconds} ms");
    }

    [ConformanceFact]
    public async Task Retry_policy_gives_up_after_the_last_attempt()
    {
        var key = NewId("giveup");
        var id = await Client.ScheduleNewWorkflowAsync(nameof(RetryWorkflow), key, new RetryInput(key, FailTimes: 10, MaxAttempts: 2, FirstIntervalMs: 100));

        var state = await CompletionAsync(id);

        Assert.Equal("gave up: attempt 2 fails", state.ReadOutputAs<string>());
        Assert.Equal(2, Probe.Attempts[key].Count);
    }

    [ConformanceFact]
    public async Task Activity_failure_reaches_the_workflow_with_its_details()
    {
        var id = await Client.ScheduleNewWorkflowAsync(nameof(FailureWorkflow), NewId("fail"), false);

        var report = (await CompletionAsync(id)).ReadOutputAs<FailureReport>()!;

        Assert.Equal(typeof(IOException).FullName, report.ErrorType);
        Assert.Equal("disk full on /models", report.ErrorMessage);
        Assert.True(report.HasStackTrace);
    }

    [ConformanceFact]
    public async Task Unhandled_activity_failure_fails_the_workflow_with_details()
    {
        var id = await Client.ScheduleNewWorkflowAsync(nameof(FailureWorkflow), NewId("failwf"), true);

        var state = await CompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.NotNull(state.FailureDetails);
        Assert.Contains("disk full on /models", state.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Durable_timer_fires_after_its_delay()
    {
        var watch = Stopwatch.StartNew();
        var id = await Client.ScheduleNewWorkflowAsync(nameof(TimerWorkflow), NewId("timer"), 1000);

        var state = await CompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(950), $"completed after {watch.ElapsedMilliseconds} ms");
        Assert.True(state.ReadOutputAs<double>() >= 950, $"workflow clock advanced {state.ReadOutputAs<double>()} ms");
    }

    [ConformanceFact]
    public async Task External_event_raised_before_the_wait_is_buffered_and_delivered()
    {
        // The workflow sleeps 1 s before it waits; the event arrives during the sleep.
        var id = await Client.ScheduleNewWorkflowAsync(nameof(ApprovalWorkflow), NewId("early"), new ApprovalInput(1000, 0));
        await Client.WaitForWorkflowStartAsync(id);
        await Client.RaiseEventAsync(id, "approval", "alice");

        var state = await CompletionAsync(id);

        Assert.Equal("approved by alice", state.ReadOutputAs<string>());
    }

    [ConformanceFact]
    public async Task External_event_raised_while_waiting_resumes_the_workflow_and_custom_status_is_visible()
    {
        var id = await Client.ScheduleNewWorkflowAsync(nameof(ApprovalWorkflow), NewId("late"), new ApprovalInput(0, 0));
        var waiting = await EventuallyAsync(id, s => s.ReadCustomStatusAs<WaitingStatus>()?.Stage == "waiting for approval");
        Assert.Equal(WorkflowRuntimeStatus.Running, waiting.RuntimeStatus);

        await Client.RaiseEventAsync(id, "approval", "bob");
        var state = await CompletionAsync(id);

        Assert.Equal("approved by bob", state.ReadOutputAs<string>());
        Assert.Equal("decided", state.ReadCustomStatusAs<WaitingStatus>()?.Stage);
    }

    [ConformanceFact]
    public async Task Wait_for_event_with_timeout_times_out()
    {
        var id = await Client.ScheduleNewWorkflowAsync(nameof(ApprovalWorkflow), NewId("timeout"), new ApprovalInput(0, 1000));

        var state = await CompletionAsync(id);

        Assert.Equal("timed out", state.ReadOutputAs<string>());
    }

    [ConformanceFact]
    public async Task Child_workflows_return_results_and_surface_failures()
    {
        var id = NewId("parent");
        await Client.ScheduleNewWorkflowAsync(nameof(ParentWorkflow), id, "no");

        var state = await CompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("child chain 4, failing child: child says no", state.ReadOutputAs<string>());
        Assert.Equal(WorkflowRuntimeStatus.Completed, (await Client.GetWorkflowStateAsync($"{id}-chain")).RuntimeStatus);
        Assert.Equal(WorkflowRuntimeStatus.Failed, (await Client.GetWorkflowStateAsync($"{id}-failing")).RuntimeStatus);
    }

    [ConformanceFact]
    public async Task Continue_as_new_carries_unprocessed_events_into_the_next_execution()
    {
        var id = await Client.ScheduleNewWorkflowAsync(nameof(CounterWorkflow), NewId("counter"), 0);
        await Client.WaitForWorkflowStartAsync(id);
        for (var i = 0; i < 3; i++)
        {
            await Client.RaiseEventAsync(id, "inc", i);
        }

        var state = await CompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(3, state.ReadOutputAs<int>());
    }

    [ConformanceFact]
    public async Task Suspended_workflow_holds_events_until_resumed()
    {
        var id = await Client.ScheduleNewWorkflowAsync(nameof(WaitForeverWorkflow), NewId("suspend"), "x");
        await Client.WaitForWorkflowStartAsync(id);

        await Client.SuspendWorkflowAsync(id, "maintenance");
        await EventuallyAsync(id, s => s.RuntimeStatus == WorkflowRuntimeStatus.Suspended);
        await Client.RaiseEventAsync(id, "go", "now");
        await Task.Delay(500);
        Assert.Equal(WorkflowRuntimeStatus.Suspended, (await Client.GetWorkflowStateAsync(id)).RuntimeStatus);

        await Client.ResumeWorkflowAsync(id, "done");
        var state = await CompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("x:now", state.ReadOutputAs<string>());
    }

    [ConformanceFact]
    public async Task Terminate_ends_a_waiting_workflow_and_purge_removes_it()
    {
        var id = await Client.ScheduleNewWorkflowAsync(nameof(WaitForeverWorkflow), NewId("terminate"), "x");
        await Client.WaitForWorkflowStartAsync(id);

        await Client.TerminateWorkflowAsync(id, "stopped by test");
        var state = await CompletionAsync(id);
        Assert.Equal(WorkflowRuntimeStatus.Terminated, state.RuntimeStatus);

        Assert.True(await Client.PurgeInstanceAsync(id));
        Assert.False((await Client.GetWorkflowStateAsync(id)).Exists);
    }

    [ConformanceFact]
    public async Task Terminate_and_purge_of_a_parent_reach_its_children()
    {
        var id = NewId("tree");
        await Client.ScheduleNewWorkflowAsync(nameof(ParentOfWaitersWorkflow), id, "x");
        await EventuallyAsync($"{id}-b", s => s.RuntimeStatus == WorkflowRuntimeStatus.Running);

        await Client.TerminateWorkflowAsync(id);
        Assert.Equal(WorkflowRuntimeStatus.Terminated, (await CompletionAsync(id)).RuntimeStatus);
        Assert.Equal(WorkflowRuntimeStatus.Terminated, (await CompletionAsync($"{id}-a")).RuntimeStatus);
        Assert.Equal(WorkflowRuntimeStatus.Terminated, (await CompletionAsync($"{id}-b")).RuntimeStatus);

        Assert.True(await Client.PurgeInstanceAsync(id));
        Assert.False((await Client.GetWorkflowStateAsync(id)).Exists);
        Assert.False((await Client.GetWorkflowStateAsync($"{id}-a")).Exists);
        Assert.False((await Client.GetWorkflowStateAsync($"{id}-b")).Exists);
    }

    [ConformanceFact]
    public async Task Replay_is_deterministic_for_guids_and_time()
    {
        var key = NewId("replay");
        var id = await Client.ScheduleNewWorkflowAsync(nameof(DeterminismWorkflow), key, key);

        var result = (await CompletionAsync(id)).ReadOutputAs<DeterminismResult>()!;

        var recorded = Probe.Samples[key];
        Assert.False(recorded.IsReplaying);
        Assert.True(result.FirstPassAsReplayed.IsReplaying);
        Assert.Equal(recorded.Guid, result.FirstPassAsReplayed.Guid);
        Assert.Equal(recorded.Time, result.FirstPassAsReplayed.Time);
        Assert.NotEqual(recorded.Guid, result.AfterActivity.Guid);
        Assert.True(result.AfterActivity.Time > recorded.Time);
    }

    [ConformanceFact]
    public async Task Hundred_instances_at_once_all_complete()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 100)
            .Select(i => Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), NewId($"many{i}"), new ChainInput(i, 3))));

        var states = await Task.WhenAll(ids.Select(CompletionAsync));

        Assert.All(states, s => Assert.Equal(WorkflowRuntimeStatus.Completed, s.RuntimeStatus));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i + 3), states.Select(s => s.ReadOutputAs<int>()));
    }

    [ConformanceFact]
    public async Task Start_is_idempotent_by_instance_id()
    {
        var id = NewId("idem");
        await Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), id, new ChainInput(0, 1));
        await Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), id, new ChainInput(100, 1));

        var state = await CompletionAsync(id);

        Assert.Equal(1, state.ReadOutputAs<int>());
    }

    [ConformanceFact]
    public async Task Delayed_start_waits_for_its_start_time()
    {
        var startAt = DateTimeOffset.UtcNow.AddSeconds(1.5);
        var id = await Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), NewId("delayed"), new ChainInput(0, 1), startAt);

        await Task.Delay(300);
        Assert.Equal(WorkflowRuntimeStatus.Pending, (await Client.GetWorkflowStateAsync(id)).RuntimeStatus);
        var state = await CompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.True(DateTimeOffset.UtcNow >= startAt);
    }

    [ConformanceFact]
    public async Task History_and_instance_list_are_readable()
    {
        var id = await Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), NewId("history"), new ChainInput(0, 2));
        await CompletionAsync(id);

        var history = await Client.GetInstanceHistoryAsync(id);
        var ids = new List<string>();
        string? token = null;
        do
        {
            var page = await Client.ListInstanceIdsAsync(token, 50);
            ids.AddRange(page.InstanceIds);
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.True(history.Count >= 8, $"{history.Count} history events");
        Assert.Contains(id, ids);
    }
}

public sealed class EmbeddedSidecarConformanceTests(EmbeddedSidecarFixture fixture) : WorkflowConformanceTests<EmbeddedSidecarFixture>(fixture);

public sealed class RealSidecarConformanceTests(RealSidecarFixture fixture) : WorkflowConformanceTests<RealSidecarFixture>(fixture), IRunsOnRealSidecar;
