using System.Collections.Concurrent;
using Platform.TrainingWorkflow.Engine;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>What activities did, shared by every host of a test (activities are resolved from DI per host).</summary>
public sealed class ActivityLog
{
    private readonly ConcurrentDictionary<string, int> _executions = new();
    private readonly ConcurrentDictionary<string, int> _concurrent = new();
    private int _maxConcurrentPerKey;

    public ConcurrentQueue<string> Inputs { get; } = new();

    public ConcurrentDictionary<string, int> Failures { get; } = new();

    /// <summary>While set, <see cref="BlockingActivity"/> waits until cancelled (a host that will "crash").</summary>
    public volatile bool BlockForever;

    public SemaphoreSlim Gate { get; } = new(0);

    public TaskCompletionSource FirstBlockingStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int MaxConcurrentPerKey => Volatile.Read(ref _maxConcurrentPerKey);

    public int Executions(string key) => _executions.GetValueOrDefault(key);

    public IReadOnlyDictionary<string, int> AllExecutions => _executions;

    public IDisposable Enter(string key)
    {
        _executions.AddOrUpdate(key, 1, (_, n) => n + 1);
        var now = _concurrent.AddOrUpdate(key, 1, (_, n) => n + 1);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxConcurrentPerKey)) && Interlocked.CompareExchange(ref _maxConcurrentPerKey, now, seen) != seen)
        {
        }

        return new Exit(() => _concurrent.AddOrUpdate(key, 0, (_, n) => n - 1));
    }

    private sealed class Exit(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

public sealed class EchoActivity(ActivityLog log) : WorkflowActivity<string, string>
{
    public override async Task<string> RunAsync(WorkflowActivityContext context, string input)
    {
        using (log.Enter($"{context.InstanceId}/{context.TaskId}"))
        {
            log.Inputs.Enqueue(input);
            await Task.Delay(2, context.CancellationToken);
            return input.ToUpperInvariant();
        }
    }
}

/// <summary>Fails the first <c>n</c> calls per instance, where <c>n</c> is its input.</summary>
public sealed class FlakyActivity(ActivityLog log) : WorkflowActivity<int, string>
{
    public override Task<string> RunAsync(WorkflowActivityContext context, int failures)
    {
        var failed = log.Failures.AddOrUpdate(context.InstanceId, 1, (_, n) => n + 1);
        return failed <= failures
            ? throw new InvalidOperationException($"flaky failure {failed}")
            : Task.FromResult($"ok after {failed - 1} failures");
    }
}

/// <summary>Blocks forever while <see cref="ActivityLog.BlockForever"/> is set; waits on the gate otherwise when the input says so.</summary>
public sealed class BlockingActivity(ActivityLog log) : WorkflowActivity<string, string>
{
    public override async Task<string> RunAsync(WorkflowActivityContext context, string input)
    {
        using (log.Enter($"blocking/{context.InstanceId}"))
        {
            log.FirstBlockingStarted.TrySetResult();
            if (log.BlockForever)
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }

            if (input == "gate")
            {
                await log.Gate.WaitAsync(context.CancellationToken);
            }

            return "unblocked";
        }
    }
}

public sealed class HugeOutputActivity : WorkflowActivity<int, string>
{
    public override Task<string> RunAsync(WorkflowActivityContext context, int length) => Task.FromResult(new string('x', length));
}

/// <summary>Calls Echo for each input item, reporting progress; returns the results joined.</summary>
public sealed class SequenceWorkflow : Workflow<string[], string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string[] input)
    {
        var results = new List<string>();
        for (var i = 0; i < input.Length; i++)
        {
            context.SetCustomStatus(new WorkflowProgress("Echo", i + 1, input.Length));
            results.Add(await context.CallActivityAsync<string>(nameof(EchoActivity), input[i]));
        }

        context.SetCustomStatus(new WorkflowProgress("Done", input.Length + 1, input.Length));
        return string.Join(",", results);
    }
}

/// <summary>Uses every replay-sensitive API: ids and time must be the same in every episode.</summary>
public sealed class DeterminismWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var id = context.NewGuid();
        var startedAt = context.CurrentUtcDateTime;
        await context.CallActivityAsync<string>(nameof(EchoActivity), $"{id}|{startedAt:O}");
        await context.CreateTimer(TimeSpan.FromMilliseconds(1));
        var fanOut = await Task.WhenAll(
            context.CallActivityAsync<string>(nameof(EchoActivity), "a"),
            context.CallActivityAsync<string>(nameof(EchoActivity), "b"));
        await context.CallActivityAsync<string>(nameof(EchoActivity), $"{id}|{startedAt:O}");
        return $"{id}|{string.Join("", fanOut)}|{context.NewGuid() != id}";
    }
}

/// <summary>The same first step as <see cref="DeterminismWorkflow"/> would need, but a different activity: code changed in flight.</summary>
public sealed class ChangedWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input) =>
        await context.CallActivityAsync<string>(nameof(FlakyActivity), 0);
}

public sealed record RetryInput(int Failures, int Attempts);

public sealed class RetryWorkflow : Workflow<RetryInput, string>
{
    public override Task<string> RunAsync(WorkflowContext context, RetryInput input) =>
        context.CallActivityAsync<string>(
            nameof(FlakyActivity),
            input.Failures,
            new WorkflowTaskOptions(new WorkflowRetryPolicy(input.Attempts, TimeSpan.FromSeconds(10), 2.0, TimeSpan.FromSeconds(15))));
}

public sealed class TimerWorkflow : Workflow<int, DateTime>
{
    public override async Task<DateTime> RunAsync(WorkflowContext context, int minutes)
    {
        await context.CreateTimer(TimeSpan.FromMinutes(minutes));
        return context.CurrentUtcDateTime;
    }
}

public sealed class ApprovalWorkflow : Workflow<int, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, int timeoutMinutes)
    {
        try
        {
            var approver = await context.WaitForExternalEventAsync<string>("approve", TimeSpan.FromMinutes(timeoutMinutes));
            return $"approved by {approver}";
        }
        catch (TaskCanceledException)
        {
            return "timed out";
        }
    }
}

/// <summary>Step1 (Echo), then the blocking step, then Step3 (Echo).</summary>
public sealed class ThreeStepWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string mode)
    {
        var first = await context.CallActivityAsync<string>(nameof(EchoActivity), "one");
        var second = await context.CallActivityAsync<string>(nameof(BlockingActivity), mode);
        var third = await context.CallActivityAsync<string>(nameof(EchoActivity), "three");
        return $"{first}-{second}-{third}";
    }
}

public sealed class PayloadWorkflow : Workflow<int, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, int size) => size > 0
        ? await context.CallActivityAsync<string>(nameof(EchoActivity), new string('y', size))
        : await context.CallActivityAsync<string>(nameof(HugeOutputActivity), -size);
}

public sealed class ParentWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var child = await context.CallChildWorkflowAsync<string>(nameof(SequenceWorkflow), new[] { input, input + "2" });
        return $"child said {child}";
    }
}

/// <summary>Waits on a child that waits an hour for an approval; the input is the child's instance id.</summary>
public sealed class WaitingParentWorkflow : Workflow<string, string>
{
    public override Task<string> RunAsync(WorkflowContext context, string childId) =>
        context.CallChildWorkflowAsync<string>(nameof(ApprovalWorkflow), 60, new ChildWorkflowTaskOptions(childId));
}

public static class TestRegistrations
{
    public static void All(WorkflowEngineOptions options) => options
        .RegisterWorkflow<SequenceWorkflow>()
        .RegisterWorkflow<DeterminismWorkflow>()
        .RegisterWorkflow<ChangedWorkflow>()
        .RegisterWorkflow<RetryWorkflow>()
        .RegisterWorkflow<TimerWorkflow>()
        .RegisterWorkflow<ApprovalWorkflow>()
        .RegisterWorkflow<ThreeStepWorkflow>()
        .RegisterWorkflow<PayloadWorkflow>()
        .RegisterWorkflow<ParentWorkflow>()
        .RegisterWorkflow<WaitingParentWorkflow>()
        .RegisterActivity<EchoActivity>()
        .RegisterActivity<FlakyActivity>()
        .RegisterActivity<BlockingActivity>()
        .RegisterActivity<HugeOutputActivity>();
}
