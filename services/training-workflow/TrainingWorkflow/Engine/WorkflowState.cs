namespace Platform.TrainingWorkflow.Engine;

/// <summary>A snapshot of an instance, shaped like Dapr's <c>WorkflowState</c> plus the step history.</summary>
public sealed record WorkflowState(
    string InstanceId,
    string Name,
    WorkflowRuntimeStatus RuntimeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    string? SerializedInput,
    string? SerializedOutput,
    string? SerializedCustomStatus,
    WorkflowTaskFailureDetails? FailureDetails,
    IReadOnlyList<WorkflowStep> Steps)
{
    public bool IsWorkflowRunning => RuntimeStatus == WorkflowRuntimeStatus.Running;

    public bool IsWorkflowCompleted =>
        RuntimeStatus is WorkflowRuntimeStatus.Completed or WorkflowRuntimeStatus.Failed or WorkflowRuntimeStatus.Terminated;

    public T? ReadInputAs<T>() => WorkflowJson.Deserialize<T>(SerializedInput);

    public T? ReadOutputAs<T>() => WorkflowJson.Deserialize<T>(SerializedOutput);

    public T? ReadCustomStatusAs<T>() => WorkflowJson.Deserialize<T>(SerializedCustomStatus);

    internal static WorkflowState From(WorkflowInstanceRecord record, bool includePayloads) => new(
        record.InstanceId,
        record.Name,
        record.Status,
        record.CreatedAt,
        record.LastUpdatedAt,
        includePayloads ? record.Input : null,
        includePayloads ? record.Output : null,
        record.CustomStatus,
        record.Failure,
        WorkflowStep.FromHistory(record));
}

/// <summary>One durable task of an instance (an activity attempt, a timer, a child workflow) with its timings.</summary>
public sealed record WorkflowStep(
    int TaskId,
    string Kind,
    string? Name,
    string Status,
    DateTimeOffset ScheduledAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    double? DurationMs,
    string? Error)
{
    internal static IReadOnlyList<WorkflowStep> FromHistory(WorkflowInstanceRecord record)
    {
        var results = record.History.Concat(record.Inbox)
            .Where(e => e.TaskId is not null && e.Kind is HistoryEventKind.ActivityCompleted or HistoryEventKind.ActivityFailed
                or HistoryEventKind.TimerFired or HistoryEventKind.ChildWorkflowCompleted or HistoryEventKind.ChildWorkflowFailed)
            .GroupBy(e => e.TaskId!.Value)
            .ToDictionary(g => g.Key, g => g.First());
        var steps = new List<WorkflowStep>();
        foreach (var scheduled in record.History.Where(e => e.Kind is HistoryEventKind.ActivityScheduled
            or HistoryEventKind.TimerCreated or HistoryEventKind.ChildWorkflowScheduled))
        {
            var kind = scheduled.Kind switch
            {
                HistoryEventKind.ActivityScheduled => "activity",
                HistoryEventKind.TimerCreated => "timer",
                _ => "childWorkflow",
            };
            results.TryGetValue(scheduled.TaskId!.Value, out var result);
            var started = result?.StartedAt ?? scheduled.Timestamp;
            var status = result?.Kind switch
            {
                null => record.IsTerminal ? "Abandoned" : "Running",
                HistoryEventKind.ActivityFailed or HistoryEventKind.ChildWorkflowFailed => "Failed",
                _ => "Completed",
            };
            steps.Add(new WorkflowStep(
                scheduled.TaskId.Value,
                kind,
                scheduled.Name ?? (scheduled.FireAt is { } fireAt ? $"until {fireAt:O}" : null),
                status,
                scheduled.Timestamp,
                started,
                result?.Timestamp,
                result is null ? null : (result.Timestamp - started).TotalMilliseconds,
                result?.Failure?.ErrorMessage));
        }

        return steps;
    }
}

/// <summary>How a control request (event, pause, resume, terminate) was received.</summary>
public enum WorkflowCommandResult
{
    Applied,
    NotFound,

    /// <summary>The instance is in a state where the request has no meaning (e.g. resuming a running instance).</summary>
    InvalidState,
}

/// <summary>A page of instances, newest first.</summary>
public sealed record WorkflowStatePage(IReadOnlyList<WorkflowState> Items, int Page, int PageSize, int TotalCount);
