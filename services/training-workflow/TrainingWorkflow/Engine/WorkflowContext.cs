namespace Platform.TrainingWorkflow.Engine;

/// <summary>
/// The durable operations a workflow may use, named as in Dapr Workflow's <c>WorkflowContext</c>. Every awaited task
/// comes from here; results are recorded in history so the code can be replayed after a restart.
/// </summary>
public abstract class WorkflowContext
{
    public abstract string Name { get; }

    public abstract string InstanceId { get; }

    /// <summary>The time of the current episode, from history: the same on every replay.</summary>
    public abstract DateTime CurrentUtcDateTime { get; }

    /// <summary>True while the code re-executes steps already in history (e.g. to skip logging on replay).</summary>
    public abstract bool IsReplaying { get; }

    public abstract Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, WorkflowTaskOptions? options = null);

    public Task CallActivityAsync(string name, object? input = null, WorkflowTaskOptions? options = null) =>
        CallActivityAsync<object?>(name, input, options);

    /// <summary>A durable timer: survives restarts, fires at <see cref="CurrentUtcDateTime"/> + <paramref name="delay"/>.</summary>
    public abstract Task CreateTimer(TimeSpan delay);

    public abstract Task CreateTimer(DateTime fireAt);

    /// <summary>Waits for an event raised through the client; events raised before the wait are buffered.</summary>
    public Task<T> WaitForExternalEventAsync<T>(string eventName) => WaitForExternalEventAsync<T>(eventName, Timeout.InfiniteTimeSpan);

    /// <summary>As <see cref="WaitForExternalEventAsync{T}(string)"/>; throws <see cref="TaskCanceledException"/> after <paramref name="timeout"/>.</summary>
    public abstract Task<T> WaitForExternalEventAsync<T>(string eventName, TimeSpan timeout);

    public abstract Task<TResult> CallChildWorkflowAsync<TResult>(
        string workflowName, object? input = null, ChildWorkflowTaskOptions? options = null);

    /// <summary>Publishes a small status object (e.g. <see cref="WorkflowProgress"/>) visible to clients while running.</summary>
    public abstract void SetCustomStatus(object? customStatus);

    /// <summary>A GUID that is the same on every replay.</summary>
    public abstract Guid NewGuid();
}
