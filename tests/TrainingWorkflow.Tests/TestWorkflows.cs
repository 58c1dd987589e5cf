using System.Collections.Concurrent;
using Dapr.Workflow;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>What activities did, shared by every host of a test (activities are resolved from DI per host).</summary>
public sealed class ActivityLog
{
    private readonly ConcurrentDictionary<string, int> _executions = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _blockingStarted = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new();

    /// <summary>Cancelled when the test's host stops, so a gated activity does not hold up shutdown (Dapr gives activities no token).</summary>
    public CancellationTokenSource Stopping { get; } = new();

    public int Executions(string key) => _executions.GetValueOrDefault(key);

    public IReadOnlyDictionary<string, int> AllExecutions => _executions;

    public void Record(string key) => _executions.AddOrUpdate(key, 1, (_, n) => n + 1);

    /// <summary>Completes when <see cref="BlockingActivity"/> has started for <paramref name="instanceId"/>.</summary>
    public Task BlockingStarted(string instanceId) => StartedSource(instanceId).Task.WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>Lets the gated <see cref="BlockingActivity"/> of <paramref name="instanceId"/> finish.</summary>
    public void Release(string instanceId) => Gate(instanceId).Release();

    internal TaskCompletionSource StartedSource(string instanceId) =>
        _blockingStarted.GetOrAdd(instanceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    internal SemaphoreSlim Gate(string instanceId) => _gates.GetOrAdd(instanceId, _ => new SemaphoreSlim(0));
}

/// <summary>Upper-cases its input; logged as <c>{instance}/{input}</c>.</summary>
public sealed class EchoActivity(ActivityLog log) : WorkflowActivity<string, string>
{
    public override async Task<string> RunAsync(WorkflowActivityContext context, string input)
    {
        log.Record($"{context.InstanceId}/{input}");
        await Task.Delay(2);
        return input.ToUpperInvariant();
    }
}

/// <summary>Waits on its instance's gate in the log when its input is "gate".</summary>
public sealed class BlockingActivity(ActivityLog log) : WorkflowActivity<string, string>
{
    public override async Task<string> RunAsync(WorkflowActivityContext context, string input)
    {
        log.Record($"{context.InstanceId}/blocking");
        log.StartedSource(context.InstanceId).TrySetResult();
        if (input == "gate")
        {
            await log.Gate(context.InstanceId).WaitAsync(log.Stopping.Token);
        }

        return "unblocked";
    }
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
        catch (OperationCanceledException)
        {
            return "timed out";
        }
    }
}

/// <summary>Echo "one", then the blocking step, then Echo "three".</summary>
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

/// <summary>
/// Input "flaky": fails with an <see cref="IOException"/> (a transient store failure) on its first attempt per instance, then
/// succeeds. Input "bad": refuses its input with an <see cref="ArgumentException"/> on every attempt.
/// </summary>
public sealed class FlakyActivity(ActivityLog log) : WorkflowActivity<string, string>
{
    public override Task<string> RunAsync(WorkflowActivityContext context, string input)
    {
        var key = $"{context.InstanceId}/flaky";
        log.Record(key);
        return input == "bad" ? throw new ArgumentException($"'{input}' is not a mode.", nameof(input))
            : log.Executions(key) < 2 ? throw new IOException("connection reset by peer")
            : Task.FromResult("ok");
    }
}

/// <summary>Calls <see cref="FlakyActivity"/> with the pipelines' transient-only retry.</summary>
public sealed class TransientRetryWorkflow : Workflow<string, string>
{
    public override Task<string> RunAsync(WorkflowContext context, string mode) =>
        Platform.TrainingWorkflow.Pipelines.Shared.TransientRetry.CallWithRetryAsync<string>(context, nameof(FlakyActivity), mode);
}

/// <summary>The input of <see cref="TenantApprovalWorkflow"/>: a run of one tenant.</summary>
public sealed record TenantApprovalInput : ITenantWorkflowInput
{
    public required string TenantId { get; init; }

    public string? Note { get; init; }
}

/// <summary>A tenant's run that waits for an "approve" event (a string), then answers who approved it for which tenant.</summary>
public sealed class TenantApprovalWorkflow : Workflow<TenantApprovalInput, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, TenantApprovalInput input)
    {
        var approver = await context.WaitForExternalEventAsync<string>("approve", TimeSpan.FromMinutes(60));
        return $"{input.TenantId} approved by {approver}";
    }
}

public static class TestRegistrations
{
    public static void All(WorkflowCatalog catalog) => catalog
        .RegisterWorkflow<SequenceWorkflow>()
        .RegisterWorkflow<TimerWorkflow>()
        .RegisterWorkflow<ApprovalWorkflow>()
        .RegisterWorkflow<ThreeStepWorkflow>()
        .RegisterWorkflow<TransientRetryWorkflow>()
        .RegisterWorkflow<TenantApprovalWorkflow>()
        .RegisterActivity<FlakyActivity>()
        .RegisterActivity<EchoActivity>()
        .RegisterActivity<BlockingActivity>();
}
