using Platform.BuildingBlocks.StateStore;
using Platform.TrainingWorkflow.Engine;

namespace Platform.TrainingWorkflow.Tests;

public sealed class ReplayTests
{
    [Fact]
    public async Task Ids_and_time_are_the_same_in_every_episode_and_a_pure_replay_reproduces_the_output()
    {
        var log = new ActivityLog();
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), log);

        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(DeterminismWorkflow), "det-1", "x");
        var state = await engine.WaitForCompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        var inputs = log.Inputs.ToArray();
        Assert.Equal(4, inputs.Length);
        // Activity 1 ran in episode 1, activity 4 in a later episode after a timer: same guid and start time.
        Assert.Equal(inputs[0], inputs[3]);
        var output = state.ReadOutputAs<string>()!;
        Assert.StartsWith(inputs[0].Split('|')[0] + "|AB|True", output, StringComparison.Ordinal);

        // Replaying the full history runs no activity again and reaches the same result.
        var (record, _) = await engine.Store.LoadAsync(id);
        var history = record!.History.Where(e => e.Kind != HistoryEventKind.WorkflowCompleted).ToList();
        var replayed = new WorkflowInstanceRecord { InstanceId = id, Name = record.Name, Input = record.Input, History = history };
        var result = new WorkflowExecutor(replayed, new DeterminismWorkflow(), 64 * 1024).Execute([]);
        Assert.Equal(WorkflowRuntimeStatus.Completed, result.Status);
        Assert.Equal(record.Output, result.Output);
        Assert.Empty(result.NewTasks);
        Assert.Equal(4, log.AllExecutions.Values.Sum());
    }

    [Fact]
    public async Task Changed_workflow_code_fails_the_instance_with_a_nondeterminism_error()
    {
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog());
        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(DeterminismWorkflow), "det-2", "x");
        await engine.WaitForCompletionAsync(id);
        var (record, _) = await engine.Store.LoadAsync(id);
        var replayed = new WorkflowInstanceRecord { InstanceId = id, Name = record!.Name, Input = record.Input, History = record.History };

        var result = new WorkflowExecutor(replayed, new ChangedWorkflow(), 64 * 1024).Execute([]);

        Assert.Equal(WorkflowRuntimeStatus.Failed, result.Status);
        Assert.True(result.Failure!.IsCausedBy<NonDeterministicWorkflowException>());
        Assert.Contains("EchoActivity", result.Failure.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_is_reported_as_custom_status_and_steps_have_timings()
    {
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog());
        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(SequenceWorkflow), "seq-1", new[] { "a", "b", "c" });
        var state = await engine.WaitForCompletionAsync(id);

        Assert.Equal("A,B,C", state.ReadOutputAs<string>());
        Assert.Equal(new WorkflowProgress("Done", 4, 3), state.ReadCustomStatusAs<WorkflowProgress>());
        Assert.Equal(3, state.Steps.Count);
        Assert.All(state.Steps, step =>
        {
            Assert.Equal("activity", step.Kind);
            Assert.Equal("Completed", step.Status);
            Assert.NotNull(step.DurationMs);
            Assert.True(step.DurationMs >= 0);
        });
    }

    [Fact]
    public async Task Child_workflow_result_flows_back_to_the_parent()
    {
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog());
        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(ParentWorkflow), "parent-1", "kid");
        var state = await engine.WaitForCompletionAsync(id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("child said KID,KID2", state.ReadOutputAs<string>());
        var child = Assert.Single(state.Steps);
        Assert.Equal("childWorkflow", child.Kind);
        Assert.Equal(WorkflowCommandResult.Applied, await engine.Client.PurgeInstanceAsync(id));
        Assert.Empty(await engine.Store.ListInstanceIdsAsync());
    }

    [Fact]
    public async Task Terminating_a_parent_terminates_its_running_child()
    {
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog());
        var id = await engine.Client.ScheduleNewWorkflowAsync(nameof(WaitingParentWorkflow), "parent-2", "approver-child");
        await engine.WaitForAsync("approver-child", s => s.RuntimeStatus == WorkflowRuntimeStatus.Running);

        Assert.Equal(WorkflowCommandResult.Applied, await engine.Client.TerminateWorkflowAsync(id, "cancelled"));
        var child = await engine.WaitForCompletionAsync("approver-child");

        Assert.Equal(WorkflowRuntimeStatus.Terminated, child.RuntimeStatus);
        Assert.Equal(WorkflowRuntimeStatus.Terminated, (await engine.Client.GetWorkflowStateAsync(id))!.RuntimeStatus);
    }

    [Fact]
    public async Task Payloads_over_the_limit_fail_with_a_message_that_says_to_pass_a_reference()
    {
        await using var engine = await TestEngine.StartAsync(new InMemoryStateStore(), new ActivityLog());

        var bigInput = await engine.WaitForCompletionAsync(await engine.Client.ScheduleNewWorkflowAsync(nameof(PayloadWorkflow), "big-in", 70_000));
        var bigOutput = await engine.WaitForCompletionAsync(await engine.Client.ScheduleNewWorkflowAsync(nameof(PayloadWorkflow), "big-out", -70_000));
        var start = await Assert.ThrowsAsync<WorkflowPayloadTooLargeException>(() =>
            engine.Client.ScheduleNewWorkflowAsync(nameof(SequenceWorkflow), "big-start", new[] { new string('z', 70_000) }));

        Assert.Equal(WorkflowRuntimeStatus.Failed, bigInput.RuntimeStatus);
        Assert.Contains("The input of activity 'EchoActivity'", bigInput.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("artifact id", bigInput.FailureDetails.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(WorkflowRuntimeStatus.Failed, bigOutput.RuntimeStatus);
        Assert.Contains("The output of activity 'HugeOutputActivity'", bigOutput.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("65536", start.Message, StringComparison.Ordinal);
    }
}
