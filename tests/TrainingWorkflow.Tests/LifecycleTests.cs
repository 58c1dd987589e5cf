using Microsoft.Extensions.Time.Testing;
using Platform.BuildingBlocks.StateStore;
using Platform.TrainingWorkflow.Engine;

namespace Platform.TrainingWorkflow.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task Start_with_an_existing_instance_id_is_idempotent()
    {
        var store = new InMemoryStateStore();
        await using var engine = await TestEngine.StartAsync(store, new ActivityLog());

        var first = await engine.Client.StartWorkflowAsync(nameof(SequenceWorkflow), "same-id", new[] { "a" });
        var second = await engine.Client.StartWorkflowAsync(nameof(SequenceWorkflow), "same-id", new[] { "other" });
        var otherName = await Assert.ThrowsAsync<WorkflowInstanceConflictException>(() =>
            engine.Client.StartWorkflowAsync(nameof(TimerWorkflow), "same-id", 1));
        var state = await engine.WaitForCompletionAsync("same-id");

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Contains("SequenceWorkflow", otherName.Message, StringComparison.Ordinal);
        Assert.Equal("A", state.ReadOutputAs<string>());
        Assert.Single(await store.ListKeysAsync("workflow|instance|"));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/")]
    [InlineData("")]
    public async Task Invalid_instance_ids_and_unknown_workflows_are_rejected(string instanceId)
    {
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog());

        var badId = await Assert.ThrowsAsync<ArgumentException>(() => engine.Client.ScheduleNewWorkflowAsync(nameof(SequenceWorkflow), instanceId, new[] { "a" }));
        var badName = await Assert.ThrowsAsync<ArgumentException>(() => engine.Client.ScheduleNewWorkflowAsync("NoSuchWorkflow", "ok-id"));
        var badInput = await Assert.ThrowsAsync<ArgumentException>(() => engine.Client.ScheduleNewWorkflowAsync(nameof(TimerWorkflow), "ok-id", "not a number"));

        Assert.Equal("instanceId", badId.ParamName);
        Assert.Equal("name", badName.ParamName);
        Assert.Equal("input", badInput.ParamName);
        Assert.False(WorkflowInstanceId.Validate(new string('a', 64)) is not null);
        Assert.NotNull(WorkflowInstanceId.Validate(new string('a', 65)));
    }

    [Fact]
    public async Task Paused_instance_starts_nothing_new_until_resumed()
    {
        var log = new ActivityLog();
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), log);
        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(ThreeStepWorkflow), "pause-1", "gate");
        await log.FirstBlockingStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(WorkflowCommandResult.Applied, await engine.Client.SuspendWorkflowAsync(id, "maintenance"));
        log.Gate.Release();
        // The running step finishes and its result waits in the inbox; step 3 must not start.
        await engine.WaitForAsync(id, s => s.Steps.Any(step => step.Name == nameof(BlockingActivity) && step.Status == "Completed"));
        await Task.Delay(300);
        var paused = await engine.Client.GetWorkflowStateAsync(id);
        Assert.Equal(WorkflowRuntimeStatus.Suspended, paused!.RuntimeStatus);
        Assert.Equal(1, log.AllExecutions.Count(e => e.Key.StartsWith(id + "/", StringComparison.Ordinal)));
        Assert.Equal(WorkflowCommandResult.InvalidState, await engine.Client.SuspendWorkflowAsync(id));

        Assert.Equal(WorkflowCommandResult.Applied, await engine.Client.ResumeWorkflowAsync(id));
        var state = await engine.WaitForCompletionAsync(id);

        Assert.Equal("ONE-unblocked-THREE", state.ReadOutputAs<string>());
        Assert.Equal(WorkflowCommandResult.InvalidState, await engine.Client.ResumeWorkflowAsync(id));
    }

    [Fact]
    public async Task Terminate_ends_the_instance_and_cancels_its_running_activity()
    {
        var log = new ActivityLog { BlockForever = true };
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), log);
        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(ThreeStepWorkflow), "term-1", "x");
        await log.FirstBlockingStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(WorkflowCommandResult.Applied, await engine.Client.TerminateWorkflowAsync(id, "stopped by operator"));
        var state = await engine.WaitForCompletionAsync(id);
        await Task.Delay(200);

        Assert.Equal(WorkflowRuntimeStatus.Terminated, state.RuntimeStatus);
        Assert.Equal("stopped by operator", state.ReadOutputAs<string>());
        Assert.Equal(0, log.Executions($"{id}/2"));
        Assert.Equal(WorkflowCommandResult.InvalidState, await engine.Client.TerminateWorkflowAsync(id));
        Assert.Equal(WorkflowCommandResult.NotFound, await engine.Client.TerminateWorkflowAsync("nobody"));
    }

    [Fact]
    public async Task Purge_removes_an_ended_instance_and_refuses_a_running_one()
    {
        var store = new InMemoryStateStore();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var engine = await TestEngine.StartAsync(store, new ActivityLog(), time);
        var done = await engine.Client.ScheduleNewWorkflowAsync(nameof(SequenceWorkflow), "purge-done", new[] { "a" });
        var waiting = await engine.Client.ScheduleNewWorkflowAsync(nameof(TimerWorkflow), "purge-waiting", 60);
        await engine.WaitForCompletionAsync(done);

        Assert.Equal(WorkflowCommandResult.InvalidState, await engine.Client.PurgeInstanceAsync(waiting));
        Assert.Equal(WorkflowCommandResult.Applied, await engine.Client.PurgeInstanceAsync(done));
        Assert.Equal(WorkflowCommandResult.NotFound, await engine.Client.PurgeInstanceAsync(done));

        Assert.Null(await engine.Client.GetWorkflowStateAsync(done));
        Assert.DoesNotContain(await store.ListKeysAsync("workflow|"), k => k.EndsWith(done, StringComparison.Ordinal));
        Assert.NotNull(await engine.Client.GetWorkflowStateAsync(waiting));
    }

    [Fact]
    public async Task List_filters_by_name_and_status_and_pages_newest_first()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog(), time);
        for (var i = 0; i < 5; i++)
        {
            await engine.Client.ScheduleNewWorkflowAsync(nameof(TimerWorkflow), $"list-{i}", 60);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await engine.Client.ScheduleNewWorkflowAsync(nameof(SequenceWorkflow), "list-seq", new[] { "a" });
        await engine.WaitForCompletionAsync("list-seq");
        for (var i = 0; i < 5; i++)
        {
            await engine.WaitForAsync($"list-{i}", s => s.RuntimeStatus == WorkflowRuntimeStatus.Running);
        }

        var page = await engine.Client.ListWorkflowsAsync(nameof(TimerWorkflow), WorkflowRuntimeStatus.Running, page: 2, pageSize: 2);
        var completed = await engine.Client.ListWorkflowsAsync(status: WorkflowRuntimeStatus.Completed);

        Assert.Equal(5, page.TotalCount);
        Assert.Equal(["list-2", "list-1"], page.Items.Select(s => s.InstanceId));
        Assert.Equal("list-seq", Assert.Single(completed.Items).InstanceId);
    }
}
