using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.TrainingWorkflow.Engine;

/// <summary>What happened to an instance; history is an append-only list of these.</summary>
public enum HistoryEventKind
{
    /// <summary>An episode began; its timestamp is the workflow's <see cref="WorkflowContext.CurrentUtcDateTime"/>.</summary>
    OrchestratorStarted,
    WorkflowStarted,
    ActivityScheduled,
    ActivityCompleted,
    ActivityFailed,
    TimerCreated,
    TimerFired,
    EventRaised,
    ChildWorkflowScheduled,
    ChildWorkflowCompleted,
    ChildWorkflowFailed,
    Suspended,
    Resumed,
    Terminated,
    WorkflowCompleted,
    WorkflowFailed,
}

/// <summary>
/// One history event. Flat on purpose: one JSON shape for every kind keeps the stored document simple to read.
/// <see cref="TaskId"/> ties a scheduled task to its result; payloads are JSON text, size-limited.
/// </summary>
public sealed record HistoryEvent(HistoryEventKind Kind, DateTimeOffset Timestamp)
{
    public int? TaskId { get; init; }

    /// <summary>Activity, workflow, child workflow or event name.</summary>
    public string? Name { get; init; }

    public string? Payload { get; init; }

    public WorkflowTaskFailureDetails? Failure { get; init; }

    public DateTimeOffset? FireAt { get; init; }

    /// <summary>When an activity's execution began (on completion events), for step timings.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>The child instance of a child workflow call.</summary>
    public string? ChildInstanceId { get; init; }
}

/// <summary>The stored document of one instance: metadata, history, and the inbox of not yet processed events.</summary>
public sealed class WorkflowInstanceRecord
{
    public required string InstanceId { get; init; }

    public required string Name { get; init; }

    public WorkflowRuntimeStatus Status { get; set; }

    public string? Input { get; init; }

    public string? Output { get; set; }

    public string? CustomStatus { get; set; }

    public WorkflowTaskFailureDetails? Failure { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset LastUpdatedAt { get; set; }

    public string? ParentInstanceId { get; init; }

    public int? ParentTaskId { get; init; }

    /// <summary>Random per creation, so a creator can tell whether its write or a concurrent one won.</summary>
    public string CreationNonce { get; init; } = "";

    public List<HistoryEvent> History { get; init; } = [];

    /// <summary>Results and events that arrived since the last episode; the next episode moves them into history.</summary>
    public List<HistoryEvent> Inbox { get; init; } = [];

    [JsonIgnore]
    public bool IsTerminal => Status is WorkflowRuntimeStatus.Completed or WorkflowRuntimeStatus.Failed or WorkflowRuntimeStatus.Terminated;
}

/// <summary>Who may run an instance right now. Guarded by ETag so two hosts never both believe they own it.</summary>
public sealed record WorkflowLease(string Owner, DateTimeOffset ExpiresAt);

internal static class WorkflowJson
{
    /// <summary>Web defaults (camelCase) plus enums as names: the history should be readable by people.</summary>
    public static readonly JsonSerializerOptions Options = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Null for null and for an absent JSON body (an undefined <see cref="JsonElement"/>).</summary>
    public static string? Serialize(object? value, Type type) =>
        value is null or JsonElement { ValueKind: JsonValueKind.Undefined } ? null : JsonSerializer.Serialize(value, type, Options);

    public static object? Deserialize(string? json, Type type) =>
        json is null ? (type.IsValueType ? Activator.CreateInstance(type) : null) : JsonSerializer.Deserialize(json, type, Options);

    public static T? Deserialize<T>(string? json) => json is null ? default : JsonSerializer.Deserialize<T>(json, Options);
}
