using Microsoft.Extensions.Time.Testing;
using Platform.BuildingBlocks.StateStore;
using Platform.TrainingWorkflow.Engine;

namespace Platform.TrainingWorkflow.Tests;

public sealed class TimingTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Retry_delays_grow_by_the_coefficient_up_to_the_maximum()
    {
        var policy = new WorkflowRetryPolicy(5, TimeSpan.FromSeconds(10), 2.0, TimeSpan.FromSeconds(30));

        Assert.Equal(
            [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)],
            Enumerable.Range(1, 4).Select(policy.DelayAfter));
    }

    [Fact]
    public async Task Failed_activity_is_retried_on_durable_timers_with_backoff()
    {
        var time = new FakeTimeProvider(Start);
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog(), time);

        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(RetryWorkflow), "retry-1", new RetryInput(Failures: 3, Attempts: 4));
        var state = await engine.WaitForCompletionAsync(id, time, TimeSpan.FromSeconds(1));

        Assert.Equal("ok after 3 failures", state.ReadOutputAs<string>());
        var (record, _) = await engine.Store.LoadAsync(id);
        var waits = record!.History.Where(e => e.Kind == HistoryEventKind.TimerCreated).Select(e => e.FireAt!.Value - e.Timestamp).ToList();
        // 10 s, then 20 s capped at the 15 s maximum, then 15 s again.
        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15)], waits);
        Assert.Equal(["Failed", "Failed", "Failed", "Completed"], state.Steps.Where(s => s.Kind == "activity").Select(s => s.Status));
    }

    [Fact]
    public async Task Retries_stop_after_the_maximum_attempts_and_the_workflow_fails_with_the_cause()
    {
        var time = new FakeTimeProvider(Start);
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog(), time);

        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(RetryWorkflow), "retry-2", new RetryInput(Failures: 5, Attempts: 2));
        var state = await engine.WaitForCompletionAsync(id, time, TimeSpan.FromSeconds(1));

        Assert.Equal(WorkflowRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.True(state.FailureDetails!.IsCausedBy<WorkflowTaskFailedException>());
        Assert.Contains("flaky failure 2", state.FailureDetails.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Durable_timer_fires_at_its_time_not_before()
    {
        var time = new FakeTimeProvider(Start);
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog(), time);

        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(TimerWorkflow), "timer-1", 60);
        await engine.WaitForAsync(id, s => s.Steps.Count == 1);
        time.Advance(TimeSpan.FromMinutes(59));
        await Task.Delay(100);
        Assert.Equal(WorkflowRuntimeStatus.Running, (await engine.Client.GetWorkflowStateAsync(id))!.RuntimeStatus);

        time.Advance(TimeSpan.FromMinutes(1));
        var state = await engine.WaitForCompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.True(state.ReadOutputAs<DateTime>() >= Start.UtcDateTime.AddMinutes(60));
    }

    [Fact]
    public async Task External_event_completes_the_wait()
    {
        var time = new FakeTimeProvider(Start);
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog(), time);
        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(ApprovalWorkflow), "approve-1", 5);
        await engine.WaitForAsync(id, s => s.RuntimeStatus == WorkflowRuntimeStatus.Running);

        Assert.Equal(WorkflowCommandResult.Applied, await engine.Client.RaiseEventAsync(id, "Approve", "ana"));
        var state = await engine.WaitForCompletionAsync(id);

        Assert.Equal("approved by ana", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task External_event_wait_times_out_and_a_later_event_is_ignored()
    {
        var time = new FakeTimeProvider(Start);
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog(), time);
        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(ApprovalWorkflow), "approve-2", 5);
        await engine.WaitForAsync(id, s => s.RuntimeStatus == WorkflowRuntimeStatus.Running);

        time.Advance(TimeSpan.FromMinutes(5));
        var state = await engine.WaitForCompletionAsync(id);

        Assert.Equal("timed out", state.ReadOutputAs<string>());
        Assert.Equal(WorkflowCommandResult.InvalidState, await engine.Client.RaiseEventAsync(id, "approve", "late"));
    }
}
