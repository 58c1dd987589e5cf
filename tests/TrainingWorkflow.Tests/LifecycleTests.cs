using Dapr.Workflow;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>Start, pause, resume, terminate, events and purge through <see cref="WorkflowManagement"/> on the real SDK and the embedded sidecar.</summary>
public sealed class LifecycleTests(WorkflowHostFixture fixture) : IClassFixture<WorkflowHostFixture>
{
    private WorkflowTestHost Host => fixture.Host;

    private WorkflowManagement Workflows => fixture.Host.Workflows;

    [Fact]
    public async Task A_transient_activity_failure_is_retried_and_a_permanent_one_is_not()
    {
        await Workflows.StartAsync(nameof(TransientRetryWorkflow), "retry-flaky", "flaky");
        await Workflows.StartAsync(nameof(TransientRetryWorkflow), "retry-bad", "bad");

        var flaky = await Host.WaitForCompletionAsync("retry-flaky", TimeSpan.FromSeconds(60));
        var bad = await Host.WaitForCompletionAsync("retry-bad", TimeSpan.FromSeconds(60));

        Assert.Equal(WorkflowRuntimeStatus.Completed, flaky.RuntimeStatus);
        Assert.Equal(2, Host.Log.Executions("retry-flaky/flaky"));
        Assert.Equal(["Failed", "Completed", "Completed"], flaky.Steps.Select(s => s.Status));
        Assert.Equal(WorkflowRuntimeStatus.Failed, bad.RuntimeStatus);
        Assert.Equal(1, Host.Log.Executions("retry-bad/flaky"));
        Assert.Equal("Failed", Assert.Single(bad.Steps).Status);
        Assert.Contains("not a mode", bad.FailureDetails?.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_with_an_existing_instance_id_is_idempotent()
    {
        var first = await Workflows.StartAsync(nameof(SequenceWorkflow), "same-id", new[] { "a" });
        var second = await Workflows.StartAsync(nameof(SequenceWorkflow), "same-id", new[] { "other" });
        var otherName = await Assert.ThrowsAsync<WorkflowInstanceConflictException>(() =>
            Workflows.StartAsync(nameof(TimerWorkflow), "same-id", 1));
        var state = await Host.WaitForCompletionAsync("same-id");

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Contains("SequenceWorkflow", otherName.Message, StringComparison.Ordinal);
        Assert.Equal("A", state.ReadOutputAs<string>());
        Assert.Equal(["a"], state.ReadInputAs<string[]>()!);
        Assert.Equal(1, Host.Log.Executions("same-id/a"));
        Assert.Equal(0, Host.Log.Executions("same-id/other"));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/")]
    [InlineData("")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Invalid_instance_ids_unknown_workflows_and_unfit_inputs_are_rejected_and_nothing_is_stored(string instanceId)
    {
        var badId = await Assert.ThrowsAsync<ArgumentException>(() => Workflows.StartAsync(nameof(SequenceWorkflow), instanceId, new[] { "a" }));
        var badName = await Assert.ThrowsAsync<ArgumentException>(() => Workflows.StartAsync("NoSuchWorkflow", "rejected-name", null));
        var badInput = await Assert.ThrowsAsync<ArgumentException>(() => Workflows.StartAsync(nameof(TimerWorkflow), "rejected-input", "not a number"));

        Assert.Equal("instanceId", badId.ParamName);
        Assert.Equal("name", badName.ParamName);
        Assert.Equal("input", badInput.ParamName);
        Assert.Null(await Workflows.GetAsync("rejected-name"));
        Assert.Null(await Workflows.GetAsync("rejected-input"));
        Assert.Null(WorkflowInstanceId.Validate(new string('a', 64)));
        Assert.NotNull(WorkflowInstanceId.Validate(new string('a', 65)));
    }

    [Fact]
    public async Task Custom_status_and_steps_come_from_the_workflow_and_its_history()
    {
        var id = "steps-1";
        await Workflows.StartAsync(nameof(SequenceWorkflow), id, new[] { "a", "b" });
        var state = await Host.WaitForCompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(new WorkflowProgress("Done", 3, 2), state.ReadCustomStatusAs<WorkflowProgress>());
        Assert.Equal([nameof(EchoActivity), nameof(EchoActivity)], state.Steps.Select(s => s.Name));
        Assert.All(state.Steps, s =>
        {
            Assert.Equal("activity", s.Kind);
            Assert.Equal("Completed", s.Status);
            Assert.True(s.DurationMs >= 0, $"duration {s.DurationMs}");
        });
        Assert.True(state.CreatedAt <= state.LastUpdatedAt);
    }

    [Fact]
    public async Task Paused_instance_starts_nothing_new_until_resumed()
    {
        var id = "pause-1";
        await Workflows.StartAsync(nameof(ThreeStepWorkflow), id, "gate");
        await Host.Log.BlockingStarted(id);

        Assert.Equal(WorkflowCommandResult.Applied, await Workflows.SuspendAsync(id, "maintenance"));
        await Host.WaitForAsync(id, s => s.RuntimeStatus == WorkflowRuntimeStatus.Suspended);
        Host.Log.Release(id);
        // The running step finishes; its result waits until the resume, so step 3 must not start.
        await Task.Delay(500);
        var paused = await Workflows.GetAsync(id);
        Assert.Equal(WorkflowRuntimeStatus.Suspended, paused!.RuntimeStatus);
        Assert.Equal(0, Host.Log.Executions($"{id}/three"));
        Assert.Equal(WorkflowCommandResult.InvalidState, await Workflows.SuspendAsync(id));

        Assert.Equal(WorkflowCommandResult.Applied, await Workflows.ResumeAsync(id));
        var state = await Host.WaitForCompletionAsync(id);

        Assert.Equal("ONE-unblocked-THREE", state.ReadOutputAs<string>());
        Assert.Equal(1, Host.Log.Executions($"{id}/one"));
        Assert.Equal(1, Host.Log.Executions($"{id}/three"));
        Assert.Equal(WorkflowCommandResult.InvalidState, await Workflows.ResumeAsync(id));
    }

    [Fact]
    public async Task Terminate_ends_the_instance_and_what_its_running_activity_returns_is_dropped()
    {
        var id = "term-1";
        await Workflows.StartAsync(nameof(ThreeStepWorkflow), id, "gate");
        await Host.Log.BlockingStarted(id);

        Assert.Equal(WorkflowCommandResult.Applied, await Workflows.TerminateAsync(id, "stopped by operator"));
        var state = await Host.WaitForCompletionAsync(id);
        Host.Log.Release(id);
        await Task.Delay(300);

        Assert.Equal(WorkflowRuntimeStatus.Terminated, state.RuntimeStatus);
        Assert.Equal("stopped by operator", state.ReadOutputAs<string>());
        Assert.Equal(WorkflowRuntimeStatus.Terminated, (await Workflows.GetAsync(id))!.RuntimeStatus);
        Assert.Equal(0, Host.Log.Executions($"{id}/three"));
        Assert.Equal(WorkflowCommandResult.InvalidState, await Workflows.TerminateAsync(id));
        Assert.Equal(WorkflowCommandResult.NotFound, await Workflows.TerminateAsync("nobody"));
    }

    [Fact]
    public async Task An_event_completes_a_wait_and_an_event_for_an_ended_instance_is_refused()
    {
        var id = "event-1";
        await Workflows.StartAsync(nameof(ApprovalWorkflow), id, 60);

        Assert.Equal(WorkflowCommandResult.Applied, await Workflows.RaiseEventAsync(id, "approve", "ann"));
        var state = await Host.WaitForCompletionAsync(id);

        Assert.Equal("approved by ann", state.ReadOutputAs<string>());
        Assert.Equal(WorkflowCommandResult.InvalidState, await Workflows.RaiseEventAsync(id, "approve", "bob"));
        Assert.Equal(WorkflowCommandResult.NotFound, await Workflows.RaiseEventAsync("nobody", "approve"));
    }

    [Fact]
    public async Task Purge_removes_an_ended_instance_and_refuses_a_running_one()
    {
        var (done, _) = await Workflows.StartAsync(nameof(SequenceWorkflow), "purge-done", new[] { "a" });
        var (waiting, _) = await Workflows.StartAsync(nameof(TimerWorkflow), "purge-waiting", 60);
        await Host.WaitForCompletionAsync(done);
        await Host.WaitForAsync(waiting, s => s.RuntimeStatus == WorkflowRuntimeStatus.Running);

        Assert.Equal(WorkflowCommandResult.InvalidState, await Workflows.PurgeAsync(waiting));
        Assert.Equal(WorkflowCommandResult.Applied, await Workflows.PurgeAsync(done));
        Assert.Equal(WorkflowCommandResult.NotFound, await Workflows.PurgeAsync(done));

        Assert.Null(await Workflows.GetAsync(done));
        Assert.Equal(WorkflowRuntimeStatus.Running, (await Workflows.GetAsync(waiting))!.RuntimeStatus);
    }
}

/// <summary>The list on a database of its own, so other tests' instances do not count.</summary>
public sealed class ListTests(WorkflowHostFixture fixture) : IClassFixture<WorkflowHostFixture>
{
    [Fact]
    public async Task List_filters_by_name_and_status_and_pages_newest_first()
    {
        var workflows = fixture.Host.Workflows;
        for (var i = 0; i < 5; i++)
        {
            await workflows.StartAsync(nameof(TimerWorkflow), $"list-{i}", 60);
            await Task.Delay(5);
        }

        await workflows.StartAsync(nameof(SequenceWorkflow), "list-seq", new[] { "a" });
        await fixture.Host.WaitForCompletionAsync("list-seq");
        for (var i = 0; i < 5; i++)
        {
            await fixture.Host.WaitForAsync($"list-{i}", s => s.RuntimeStatus == WorkflowRuntimeStatus.Running);
        }

        var page = await workflows.ListAsync(nameof(TimerWorkflow), WorkflowRuntimeStatus.Running, page: 2, pageSize: 2);
        var completed = await workflows.ListAsync(status: WorkflowRuntimeStatus.Completed);
        var all = await workflows.ListAsync(pageSize: 100);

        Assert.Equal(5, page.TotalCount);
        Assert.Equal(["list-2", "list-1"], page.Items.Select(s => s.InstanceId));
        Assert.Equal("list-seq", Assert.Single(completed.Items).InstanceId);
        Assert.Equal(6, all.TotalCount);
        Assert.Equal("list-seq", all.Items[0].InstanceId);
    }
}
