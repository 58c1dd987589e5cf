using Dapr.Workflow;

namespace Platform.EmbeddedWorkflowSidecar.Tests;

/// <summary>The small workflows of the conformance suite.</summary>
public static class TestWorkflows
{
    public static void Register(WorkflowRuntimeOptions options)
    {
        options.RegisterWorkflow<ChainWorkflow>();
        options.RegisterWorkflow<FanOutWorkflow>();
        options.RegisterWorkflow<RetryWorkflow>();
        options.RegisterWorkflow<FailureWorkflow>();
        options.RegisterWorkflow<TimerWorkflow>();
        options.RegisterWorkflow<ApprovalWorkflow>();
        options.RegisterWorkflow<ParentWorkflow>();
        options.RegisterWorkflow<TakenChildIdWorkflow>();
        options.RegisterWorkflow<FailingChildWorkflow>();
        options.RegisterWorkflow<CounterWorkflow>();
        options.RegisterWorkflow<WaitForeverWorkflow>();
        options.RegisterWorkflow<ParentOfWaitersWorkflow>();
        options.RegisterWorkflow<DeterminismWorkflow>();
        options.RegisterWorkflow<ShareWorkflow>();
        options.RegisterActivity<AddOneActivity>();
        options.RegisterActivity<SquareActivity>();
        options.RegisterActivity<FlakyActivity>();
        options.RegisterActivity<ThrowingActivity>();
        options.RegisterActivity<RecordActivity>();
        options.RegisterActivity<CountingActivity>();
    }
}

/// <summary>Adds one, <c>Steps</c> times, each step an activity.</summary>
public sealed class ChainWorkflow : Workflow<ChainInput, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, ChainInput input)
    {
        var value = input.Start;
        for (var i = 0; i < input.Steps; i++)
        {
            value = await context.CallActivityAsync<int>(nameof(AddOneActivity), value);
        }

        return value;
    }
}

public sealed record ChainInput(int Start, int Steps);

public sealed class AddOneActivity : WorkflowActivity<int, int>
{
    public override Task<int> RunAsync(WorkflowActivityContext context, int input) => Task.FromResult(input + 1);
}

/// <summary>Squares 1..n in parallel activities and sums them.</summary>
public sealed class FanOutWorkflow : Workflow<int, long>
{
    public override async Task<long> RunAsync(WorkflowContext context, int input)
    {
        var tasks = Enumerable.Range(1, input).Select(i => context.CallActivityAsync<long>(nameof(SquareActivity), i));
        var squares = await Task.WhenAll(tasks);
        return squares.Sum();
    }
}

public sealed class SquareActivity : WorkflowActivity<int, long>
{
    public override Task<long> RunAsync(WorkflowActivityContext context, int input) => Task.FromResult((long)input * input);
}

public sealed record RetryInput(string Key, int FailTimes, int MaxAttempts, int FirstIntervalMs);

/// <summary>Calls an activity that fails the first <c>FailTimes</c> attempts, under a retry policy.</summary>
public sealed class RetryWorkflow : Workflow<RetryInput, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, RetryInput input)
    {
        var policy = new WorkflowRetryPolicy(input.MaxAttempts, TimeSpan.FromMilliseconds(input.FirstIntervalMs), backoffCoefficient: 2.0);
        try
        {
            return await context.CallActivityAsync<string>(nameof(FlakyActivity), input, new WorkflowTaskOptions(policy));
        }
        catch (WorkflowTaskFailedException ex)
        {
            return "gave up: " + ex.FailureDetails.ErrorMessage;
        }
    }
}

public sealed class FlakyActivity(ActivityProbe probe) : WorkflowActivity<RetryInput, string>
{
    public override Task<string> RunAsync(WorkflowActivityContext context, RetryInput input)
    {
        var attempt = probe.Attempt(input.Key);
        if (attempt <= input.FailTimes)
        {
            throw new InvalidOperationException($"attempt {attempt} fails");
        }

        return Task.FromResult($"succeeded on attempt {attempt}");
    }
}

public sealed record FailureReport(string ErrorType, string ErrorMessage, bool HasStackTrace);

/// <summary>Calls an activity that throws; reports the failure details it caught, or rethrows when asked to.</summary>
public sealed class FailureWorkflow : Workflow<bool, FailureReport>
{
    public override async Task<FailureReport> RunAsync(WorkflowContext context, bool rethrow)
    {
        try
        {
            await context.CallActivityAsync<string>(nameof(ThrowingActivity), "disk full on /models");
            throw new InvalidOperationException("the activity should have failed");
        }
        catch (WorkflowTaskFailedException ex) when (!rethrow)
        {
            return new FailureReport(ex.FailureDetails.ErrorType, ex.FailureDetails.ErrorMessage, !string.IsNullOrEmpty(ex.FailureDetails.StackTrace));
        }
    }
}

public sealed class ThrowingActivity : WorkflowActivity<string, string>
{
    public override Task<string> RunAsync(WorkflowActivityContext context, string input) => throw new IOException(input);
}

/// <summary>Sleeps on a durable timer; returns the workflow-clock time that passed.</summary>
public sealed class TimerWorkflow : Workflow<int, double>
{
    public override async Task<double> RunAsync(WorkflowContext context, int milliseconds)
    {
        var before = context.CurrentUtcDateTime;
        await context.CreateTimer(TimeSpan.FromMilliseconds(milliseconds));
        return (context.CurrentUtcDateTime - before).TotalMilliseconds;
    }
}

public sealed record ApprovalInput(int DelayBeforeWaitMs, int TimeoutMs);

/// <summary>Optionally sleeps, says it waits (custom status), then waits for an "approval" event (with a timeout if given).</summary>
public sealed class ApprovalWorkflow : Workflow<ApprovalInput, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, ApprovalInput input)
    {
        if (input.DelayBeforeWaitMs > 0)
        {
            await context.CreateTimer(TimeSpan.FromMilliseconds(input.DelayBeforeWaitMs));
        }

        context.SetCustomStatus(new WaitingStatus("waiting for approval"));
        try
        {
            var decision = input.TimeoutMs > 0
                ? await context.WaitForExternalEventAsync<string>("approval", TimeSpan.FromMilliseconds(input.TimeoutMs))
                : await context.WaitForExternalEventAsync<string>("approval");
            context.SetCustomStatus(new WaitingStatus("decided"));
            return "approved by " + decision;
        }
        catch (TaskCanceledException)
        {
            context.SetCustomStatus(new WaitingStatus("timed out"));
            return "timed out";
        }
    }
}

public sealed record WaitingStatus(string Stage);

/// <summary>Runs a chain child workflow and a failing one; reports both outcomes.</summary>
public sealed class ParentWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var sum = await context.CallChildWorkflowAsync<int>(nameof(ChainWorkflow), new ChainInput(1, 3), new ChildWorkflowTaskOptions($"{context.InstanceId}-chain"));
        try
        {
            await context.CallChildWorkflowAsync<string>(nameof(FailingChildWorkflow), input, new ChildWorkflowTaskOptions($"{context.InstanceId}-failing"));
            return $"child chain {sum}, failing child did not fail";
        }
        catch (WorkflowTaskFailedException ex)
        {
            return $"child chain {sum}, failing child: {ex.FailureDetails.ErrorMessage}";
        }
    }
}

/// <summary>Starts a chain child under the id it is given (one already in use in the test).</summary>
public sealed class TakenChildIdWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string childId)
    {
        try
        {
            await context.CallChildWorkflowAsync<int>(nameof(ChainWorkflow), new ChainInput(1, 1), new ChildWorkflowTaskOptions(childId));
            return "child ran";
        }
        catch (WorkflowTaskFailedException ex)
        {
            return ex.FailureDetails.ErrorType + ": " + ex.FailureDetails.ErrorMessage;
        }
    }
}

public sealed class FailingChildWorkflow : Workflow<string, string>
{
    public override Task<string> RunAsync(WorkflowContext context, string input) => throw new InvalidOperationException("child says " + input);
}

/// <summary>Counts "inc" events across executions: each event continues as new with the count so far.</summary>
public sealed class CounterWorkflow : Workflow<int, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, int count)
    {
        if (count >= 3)
        {
            return count;
        }

        await context.WaitForExternalEventAsync<int>("inc");
        context.ContinueAsNew(count + 1, preserveUnprocessedEvents: true);
        return count;
    }
}

/// <summary>Waits for an event that never comes (or does), for suspend, terminate and purge.</summary>
public sealed class WaitForeverWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var value = await context.WaitForExternalEventAsync<string>("go");
        return input + ":" + value;
    }
}

/// <summary>Starts two waiting children and waits for both.</summary>
public sealed class ParentOfWaitersWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var a = context.CallChildWorkflowAsync<string>(nameof(WaitForeverWorkflow), "a", new ChildWorkflowTaskOptions($"{context.InstanceId}-a"));
        var b = context.CallChildWorkflowAsync<string>(nameof(WaitForeverWorkflow), "b", new ChildWorkflowTaskOptions($"{context.InstanceId}-b"));
        var results = await Task.WhenAll(a, b);
        return string.Join(",", results);
    }
}

public sealed record DeterminismSample(Guid Guid, DateTime Time, bool IsReplaying);

public sealed record DeterminismResult(DeterminismSample FirstPassAsReplayed, DeterminismSample AfterActivity);

/// <summary>Takes a guid and the time, hands them to an activity (recorded on the first pass), and returns them as replay sees them.</summary>
public sealed class DeterminismWorkflow : Workflow<string, DeterminismResult>
{
    public override async Task<DeterminismResult> RunAsync(WorkflowContext context, string key)
    {
        var first = new DeterminismSample(context.NewGuid(), context.CurrentUtcDateTime, context.IsReplaying);
        await context.CallActivityAsync<bool>(nameof(RecordActivity), new RecordRequest(key, first));
        await context.CreateTimer(TimeSpan.FromMilliseconds(50));
        var after = new DeterminismSample(context.NewGuid(), context.CurrentUtcDateTime, context.IsReplaying);
        return new DeterminismResult(first, after);
    }
}

public sealed record RecordRequest(string Key, DeterminismSample Sample);

public sealed class RecordActivity(ActivityProbe probe) : WorkflowActivity<RecordRequest, bool>
{
    public override Task<bool> RunAsync(WorkflowActivityContext context, RecordRequest input)
    {
        probe.Samples[input.Key] = input.Sample;
        return Task.FromResult(true);
    }
}

/// <summary>Counts how often it runs per key (to prove no activity ran twice) and optionally takes a while.</summary>
public sealed class CountingActivity(ActivityProbe probe) : WorkflowActivity<CountingInput, string>
{
    public override async Task<string> RunAsync(WorkflowActivityContext context, CountingInput input)
    {
        probe.Executed(input.Key);
        if (input.DurationMs > 0)
        {
            await Task.Delay(input.DurationMs);
        }

        return input.Key;
    }
}

public sealed record CountingInput(string Key, int DurationMs);

/// <summary>Five counted activities in a row, keyed by instance and step.</summary>
public sealed class ShareWorkflow : Workflow<int, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, int durationMs)
    {
        for (var i = 0; i < 5; i++)
        {
            await context.CallActivityAsync<string>(nameof(CountingActivity), new CountingInput($"{context.InstanceId}/{i}", durationMs));
        }

        return 5;
    }
}
