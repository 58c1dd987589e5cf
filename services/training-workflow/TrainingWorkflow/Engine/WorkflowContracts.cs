namespace Platform.TrainingWorkflow.Engine;

/// <summary>Lifecycle of a workflow instance; names and order match Dapr Workflow's <c>WorkflowRuntimeStatus</c>.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<WorkflowRuntimeStatus>))]
public enum WorkflowRuntimeStatus
{
    Pending,
    Running,
    Suspended,
    Completed,
    Failed,
    Terminated,
}

/// <summary>The non-generic face of a workflow, so the engine can run any registered type.</summary>
public interface IWorkflow
{
    Type InputType { get; }

    Task<object?> RunAsync(WorkflowContext context, object? input);
}

/// <summary>
/// Orchestration code. It is replayed from history after every step, so it must be deterministic: use
/// <see cref="WorkflowContext"/> for time, ids, waiting and I/O (activities), never the clock, random numbers or direct I/O.
/// </summary>
public abstract class Workflow<TInput, TOutput> : IWorkflow
{
    Type IWorkflow.InputType => typeof(TInput);

    public abstract Task<TOutput> RunAsync(WorkflowContext context, TInput input);

    async Task<object?> IWorkflow.RunAsync(WorkflowContext context, object? input) => await RunAsync(context, (TInput)input!);
}

/// <summary>The non-generic face of an activity.</summary>
public interface IWorkflowActivity
{
    Type InputType { get; }

    Task<object?> RunAsync(WorkflowActivityContext context, object? input);
}

/// <summary>A unit of real work (I/O, training). Runs at least once; the engine records its result so replays skip it.</summary>
public abstract class WorkflowActivity<TInput, TOutput> : IWorkflowActivity
{
    Type IWorkflowActivity.InputType => typeof(TInput);

    public abstract Task<TOutput> RunAsync(WorkflowActivityContext context, TInput input);

    async Task<object?> IWorkflowActivity.RunAsync(WorkflowActivityContext context, object? input) =>
        await RunAsync(context, (TInput)input!).ConfigureAwait(false);
}

/// <summary>What an activity knows about its invocation.</summary>
public sealed class WorkflowActivityContext(string name, string instanceId, int taskId, CancellationToken cancellationToken)
{
    public string Name { get; } = name;

    public string InstanceId { get; } = instanceId;

    /// <summary>The activity's sequence number in its workflow; stable across retries of a host, unique per call.</summary>
    public int TaskId { get; } = taskId;

    /// <summary>Cancelled when the instance is terminated or this host loses the instance's lease.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;
}

/// <summary>
/// Retries of a failed activity or child workflow, waiting on durable timers in between (shaped like Dapr's
/// <c>WorkflowRetryPolicy</c>). Delay before retry n (1-based) = min(first * coefficient^(n-1), max).
/// </summary>
public sealed class WorkflowRetryPolicy
{
    public WorkflowRetryPolicy(
        int maxNumberOfAttempts,
        TimeSpan firstRetryInterval,
        double backoffCoefficient = 1.0,
        TimeSpan? maxRetryInterval = null,
        TimeSpan? retryTimeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNumberOfAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(firstRetryInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(backoffCoefficient, 1.0);
        MaxNumberOfAttempts = maxNumberOfAttempts;
        FirstRetryInterval = firstRetryInterval;
        BackoffCoefficient = backoffCoefficient;
        MaxRetryInterval = maxRetryInterval ?? TimeSpan.FromHours(1);
        RetryTimeout = retryTimeout ?? Timeout.InfiniteTimeSpan;
    }

    public int MaxNumberOfAttempts { get; }

    public TimeSpan FirstRetryInterval { get; }

    public double BackoffCoefficient { get; }

    public TimeSpan MaxRetryInterval { get; }

    /// <summary>Total time after the first attempt's start after which no further attempt is made.</summary>
    public TimeSpan RetryTimeout { get; }

    /// <summary>The wait before attempt <paramref name="failedAttempt"/> + 1.</summary>
    public TimeSpan DelayAfter(int failedAttempt)
    {
        var ticks = FirstRetryInterval.Ticks * Math.Pow(BackoffCoefficient, failedAttempt - 1);
        return ticks >= MaxRetryInterval.Ticks ? MaxRetryInterval : TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>Options of one activity call.</summary>
public record WorkflowTaskOptions(WorkflowRetryPolicy? RetryPolicy = null);

/// <summary>Options of one child workflow call; without an instance id the engine derives a deterministic one.</summary>
public sealed record ChildWorkflowTaskOptions(string? InstanceId = null, WorkflowRetryPolicy? RetryPolicy = null)
    : WorkflowTaskOptions(RetryPolicy);

/// <summary>Why a task or workflow failed, as recorded in history.</summary>
public sealed record WorkflowTaskFailureDetails(string ErrorType, string ErrorMessage, string? StackTrace = null)
{
    public static WorkflowTaskFailureDetails From(Exception exception) =>
        new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace);

    /// <summary>True when the failure was caused by an exception of type <typeparamref name="T"/> (by name, as history only keeps names).</summary>
    public bool IsCausedBy<T>()
        where T : Exception => ErrorType == typeof(T).FullName;
}

/// <summary>Thrown into the workflow when an activity or child workflow failed (after retries).</summary>
public sealed class WorkflowTaskFailedException(string message, WorkflowTaskFailureDetails failureDetails) : Exception(message)
{
    public WorkflowTaskFailureDetails FailureDetails { get; } = failureDetails;
}

/// <summary>The workflow code no longer matches its recorded history (it was changed while instances were in flight).</summary>
public sealed class NonDeterministicWorkflowException(string message) : Exception(message);

/// <summary>A payload too large for history: pass large data by reference (an artifact id).</summary>
public sealed class WorkflowPayloadTooLargeException(string what, int bytes, int limit)
    : Exception($"{what} is {bytes} bytes; workflow history keeps at most {limit} bytes per payload. " +
        "Pass large data by reference (store it with IArtifactStore and pass the artifact id).")
{
    public int Bytes { get; } = bytes;

    public int Limit { get; } = limit;
}

/// <summary>An instance id is already used by a workflow of another name.</summary>
public sealed class WorkflowInstanceConflictException(string message) : Exception(message);

/// <summary>Progress a workflow reports as its custom status: the current step and how far along the run is.</summary>
public sealed record WorkflowProgress(string Step, int StepNumber, int StepCount, string? Detail = null)
{
    public double Percent => StepCount == 0 ? 0 : Math.Round(100.0 * (StepNumber - 1) / StepCount, 1);
}
