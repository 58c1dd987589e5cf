using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Dapr.DurableTask.Protobuf;
using Dapr.Workflow;
using Grpc.Core;
using Platform.TrainingWorkflow.Workflows;
using WorkflowState = Dapr.Workflow.WorkflowState;

namespace Platform.TrainingWorkflow.Management;

/// <summary>An instance id is already used by a workflow of another name.</summary>
public sealed class WorkflowInstanceConflictException(string message) : Exception(message);

/// <summary>
/// A workflow that cannot run without an input was started with none (no body, or JSON <c>null</c>): refused at the start
/// (the API answers 422 naming <c>input</c>) instead of failing on a null later. An <see cref="ArgumentException"/> for
/// <c>input</c>, so callers that treat every unfit input alike still do.
/// </summary>
public sealed class WorkflowInputRequiredException(string workflow, Type inputType)
    : ArgumentException($"Workflow '{workflow}' needs an input ({inputType.Name}); none was given.", "input");

/// <summary>A payload too large for workflow history: large data goes by reference (an artifact id).</summary>
public sealed class WorkflowPayloadTooLargeException(string what, int bytes, int limit)
    : Exception($"{what} is {bytes} bytes; workflow history keeps at most {limit} bytes per payload. " +
        "Pass large data by reference (store it with IArtifactStore and pass the artifact id).");

/// <summary>How a control request (event, pause, resume, terminate, purge) was received.</summary>
public enum WorkflowCommandResult
{
    Applied,
    NotFound,

    /// <summary>The instance is in a state where the request has no meaning (e.g. resuming a running instance).</summary>
    InvalidState,
}

/// <summary>An instance as management sees it: Dapr's <see cref="WorkflowState"/> plus its id, payloads as JSON and the steps.</summary>
public sealed record WorkflowInstanceView(
    string InstanceId,
    string Name,
    WorkflowRuntimeStatus RuntimeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    JsonElement? Input,
    JsonElement? Output,
    JsonElement? CustomStatus,
    WorkflowTaskFailureDetails? FailureDetails,
    IReadOnlyList<WorkflowStep> Steps)
{
    /// <summary>The tenant the run belongs to (the one its input names); null for a workflow of no tenant.</summary>
    public string? TenantId { get; init; }

    public bool IsCompleted =>
        RuntimeStatus is WorkflowRuntimeStatus.Completed or WorkflowRuntimeStatus.Failed or WorkflowRuntimeStatus.Terminated;

    public T? ReadInputAs<T>() => Read<T>(Input);

    public T? ReadOutputAs<T>() => Read<T>(Output);

    public T? ReadCustomStatusAs<T>() => Read<T>(CustomStatus);

    private static T? Read<T>(JsonElement? json) => json is { } value ? value.Deserialize<T>(WorkflowJson.Options) : default;
}

/// <summary>One durable task of an instance (an activity attempt, a timer, a child workflow) with its timings, from its history.</summary>
public sealed record WorkflowStep(
    int TaskId,
    string Kind,
    string? Name,
    string Status,
    DateTimeOffset ScheduledAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    double? DurationMs,
    string? Error);

/// <summary>A page of instances, newest first.</summary>
public sealed record WorkflowInstancePageView(IReadOnlyList<WorkflowInstanceView> Items, int Page, int PageSize, int TotalCount);

/// <summary>
/// What operators and the platform do with workflow instances, on <see cref="DaprWorkflowClient"/> so it works the same on
/// daprd and on the embedded sidecar. Adds what the client leaves to its caller: checking names, ids and inputs before
/// anything is stored, an idempotent start, state checks that turn into clear answers, a filtered list, the step history
/// and a change stream. Every read and command comes in two forms: for every run (the platform's own callers) and for the
/// runs a <see cref="WorkflowAccess"/> allows, where another tenant's run is answered as an unknown id.
/// </summary>
public sealed class WorkflowManagement(
    DaprWorkflowClient client,
    TaskHubSidecarService.TaskHubSidecarServiceClient sidecar,
    WorkflowCatalog catalog,
    IConfiguration configuration)
{
    /// <summary>Largest workflow input or event payload accepted; bigger data goes by artifact id.</summary>
    public const int MaxPayloadBytes = 64 * 1024;

    /// <summary>How often a watcher re-reads an instance: the SDK client has no change notification.</summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(200);

    private readonly string? _apiToken = configuration["DAPR_API_TOKEN"] ?? Environment.GetEnvironmentVariable("DAPR_API_TOKEN");

    public DaprWorkflowClient Client => client;

    /// <summary>Starts an instance; with an existing <paramref name="instanceId"/> of the same workflow it returns that id (idempotent).</summary>
    /// <exception cref="ArgumentException">Invalid instance id (<c>instanceId</c>), unknown workflow (<c>name</c>), input not fitting it (<c>input</c>).</exception>
    /// <exception cref="WorkflowInstanceConflictException">The id is used by a workflow of another name.</exception>
    /// <exception cref="WorkflowPayloadTooLargeException">The input is larger than <see cref="MaxPayloadBytes"/>.</exception>
    public async Task<(string InstanceId, bool Created)> StartAsync(
        string name, string? instanceId, object? input, CancellationToken cancellationToken = default)
    {
        instanceId ??= Guid.NewGuid().ToString("N");
        if (WorkflowInstanceId.Validate(instanceId) is { } idError)
        {
            throw new ArgumentException(idError, nameof(instanceId));
        }

        if (!catalog.Workflows.TryGetValue(name, out var inputType))
        {
            throw new ArgumentException($"No workflow named '{name}' is registered.", nameof(name));
        }

        input = input is JsonElement { ValueKind: JsonValueKind.Undefined or JsonValueKind.Null } ? null : input;
        if (input is null && catalog.RequiresInput(name))
        {
            throw new WorkflowInputRequiredException(name, inputType);
        }

        var json = Serialize(input, $"The input of workflow '{name}'");
        string? owner = null;
        if (json is not null)
        {
            try
            {
                owner = (JsonSerializer.Deserialize(json, inputType, WorkflowJson.Options) as ITenantWorkflowInput)?.TenantId;
            }
            catch (JsonException exception)
            {
                throw new ArgumentException(
                    $"The input does not fit workflow '{name}' (expects {inputType.Name}): {exception.Message}", nameof(input), exception);
            }
        }

        if (await ExistingAsync(name, instanceId, owner, cancellationToken).ConfigureAwait(false))
        {
            return (instanceId, false);
        }

        try
        {
            await client.ScheduleNewWorkflowAsync(name, instanceId, input, null, cancellationToken).ConfigureAwait(false);
            return (instanceId, true);
        }
        catch (RpcException exception) when (exception.StatusCode is StatusCode.AlreadyExists or StatusCode.FailedPrecondition)
        {
            // Another host (a second scheduler, a redelivered event) started it between our read and our start.
            await ExistingAsync(name, instanceId, owner, cancellationToken).ConfigureAwait(false);
            return (instanceId, false);
        }
    }

    /// <summary>The instance with its steps; null when there is none with that id.</summary>
    public Task<WorkflowInstanceView?> GetAsync(string instanceId, bool includePayloads = true, CancellationToken cancellationToken = default) =>
        GetAsync(instanceId, includePayloads, WorkflowAccess.AllTenants, cancellationToken);

    /// <summary>The instance with its steps; null when there is none with that id or it is not <paramref name="access"/>'s to see.</summary>
    public async Task<WorkflowInstanceView?> GetAsync(
        string instanceId, bool includePayloads, WorkflowAccess access, CancellationToken cancellationToken = default)
    {
        // The input names the owner, so it is read even when the caller does not want the payloads.
        var state = await ReadVisibleStateAsync(instanceId, access, includePayloads: true, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return null;
        }

        var steps = await StepsAsync(instanceId, state.IsWorkflowCompleted, cancellationToken).ConfigureAwait(false);
        return View(instanceId, state, includePayloads, steps);
    }

    /// <summary>
    /// Instances filtered by workflow name and status, newest first. Dapr has no query: this walks
    /// <see cref="DaprWorkflowClient.ListInstanceIdsAsync"/> and reads each state, so it is meant for operators, not hot paths.
    /// </summary>
    public Task<WorkflowInstancePageView> ListAsync(
        string? name = null, WorkflowRuntimeStatus? status = null, int page = 1, int pageSize = 50, CancellationToken cancellationToken = default) =>
        ListAsync(name, status, page, pageSize, WorkflowAccess.AllTenants, cancellationToken);

    /// <summary>The instances <paramref name="access"/> may see, filtered by workflow name and status, newest first.</summary>
    public async Task<WorkflowInstancePageView> ListAsync(
        string? name, WorkflowRuntimeStatus? status, int page, int pageSize, WorkflowAccess access, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var ids = new List<string>();
        string? continuation = null;
        do
        {
            var chunk = await client.ListInstanceIdsAsync(continuation, 500, cancellationToken).ConfigureAwait(false);
            ids.AddRange(chunk.InstanceIds);
            continuation = string.IsNullOrEmpty(chunk.ContinuationToken) || chunk.InstanceIds.Count == 0 ? null : chunk.ContinuationToken;
        }
        while (continuation is not null);

        var states = new (string Id, WorkflowState? State)[ids.Count];
        await Parallel.ForAsync(0, ids.Count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) => states[i] = (ids[i], await ReadStateAsync(ids[i], true, ct).ConfigureAwait(false))).ConfigureAwait(false);
        var matches = states
            .Where(s => s.State is not null && (name is null || s.State.WorkflowName == name) && (status is null || s.State.RuntimeStatus == status)
                && access.Allows(OwnerOf(s.State)))
            .OrderByDescending(s => s.State!.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal)
            .ToList();
        var items = matches.Skip((page - 1) * pageSize).Take(pageSize)
            .Select(s => View(s.Id, s.State!, includePayloads: false, steps: []))
            .ToList();
        return new WorkflowInstancePageView(items, page, pageSize, matches.Count);
    }

    /// <summary>Delivers an event to a waiting (or later waiting) instance; refused once the instance has ended.</summary>
    public Task<WorkflowCommandResult> RaiseEventAsync(
        string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default) =>
        RaiseEventAsync(instanceId, eventName, payload, WorkflowAccess.AllTenants, cancellationToken);

    /// <inheritdoc cref="RaiseEventAsync(string, string, object?, CancellationToken)"/>
    public async Task<WorkflowCommandResult> RaiseEventAsync(
        string instanceId, string eventName, object? payload, WorkflowAccess access, CancellationToken cancellationToken = default)
    {
        payload = payload is JsonElement { ValueKind: JsonValueKind.Undefined } ? null : payload;
        Serialize(payload, $"The payload of event '{eventName}'");
        return await CommandAsync(instanceId, access, s => !s.IsWorkflowCompleted,
            () => client.RaiseEventAsync(instanceId, eventName, payload, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pauses an instance after its current step: running activities finish, nothing new starts until resumed.</summary>
    public Task<WorkflowCommandResult> SuspendAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SuspendAsync(instanceId, reason, WorkflowAccess.AllTenants, cancellationToken);

    /// <inheritdoc cref="SuspendAsync(string, string?, CancellationToken)"/>
    public Task<WorkflowCommandResult> SuspendAsync(string instanceId, string? reason, WorkflowAccess access, CancellationToken cancellationToken = default) =>
        CommandAsync(instanceId, access, s => s.RuntimeStatus is WorkflowRuntimeStatus.Pending or WorkflowRuntimeStatus.Running,
            () => client.SuspendWorkflowAsync(instanceId, reason, cancellationToken), cancellationToken);

    public Task<WorkflowCommandResult> ResumeAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        ResumeAsync(instanceId, reason, WorkflowAccess.AllTenants, cancellationToken);

    public Task<WorkflowCommandResult> ResumeAsync(string instanceId, string? reason, WorkflowAccess access, CancellationToken cancellationToken = default) =>
        CommandAsync(instanceId, access, s => s.RuntimeStatus == WorkflowRuntimeStatus.Suspended,
            () => client.ResumeWorkflowAsync(instanceId, reason, cancellationToken), cancellationToken);

    /// <summary>Ends an instance and its child workflows; results of activities still running are dropped.</summary>
    public Task<WorkflowCommandResult> TerminateAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default) =>
        TerminateAsync(instanceId, output, WorkflowAccess.AllTenants, cancellationToken);

    /// <inheritdoc cref="TerminateAsync(string, object?, CancellationToken)"/>
    public Task<WorkflowCommandResult> TerminateAsync(string instanceId, object? output, WorkflowAccess access, CancellationToken cancellationToken = default)
    {
        output = output is JsonElement { ValueKind: JsonValueKind.Undefined } ? null : output;
        return CommandAsync(instanceId, access, s => !s.IsWorkflowCompleted,
            () => client.TerminateWorkflowAsync(instanceId, output, cancellationToken), cancellationToken);
    }

    /// <summary>Deletes an ended instance, its history and its child workflows. Running instances must be terminated first.</summary>
    public Task<WorkflowCommandResult> PurgeAsync(string instanceId, CancellationToken cancellationToken = default) =>
        PurgeAsync(instanceId, WorkflowAccess.AllTenants, cancellationToken);

    /// <inheritdoc cref="PurgeAsync(string, CancellationToken)"/>
    public async Task<WorkflowCommandResult> PurgeAsync(string instanceId, WorkflowAccess access, CancellationToken cancellationToken = default)
    {
        var result = WorkflowCommandResult.NotFound;
        var outcome = await CommandAsync(instanceId, access, s => s.IsWorkflowCompleted, async () =>
        {
            result = await client.PurgeInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false)
                ? WorkflowCommandResult.Applied
                : WorkflowCommandResult.NotFound;
        }, cancellationToken).ConfigureAwait(false);
        return outcome == WorkflowCommandResult.Applied ? result : outcome;
    }

    /// <summary>Waits until the instance is Completed, Failed or Terminated.</summary>
    public async Task<WorkflowInstanceView> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        await client.WaitForWorkflowCompletionAsync(instanceId, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false);
        return await GetAsync(instanceId, includePayloads: true, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Workflow instance '{instanceId}' was purged while it was awaited.");
    }

    /// <summary>Yields the instance now and after every change (status, custom status, steps), until it ends or disappears.</summary>
    public IAsyncEnumerable<WorkflowInstanceView> WatchAsync(
        string instanceId, bool includePayloads = false, CancellationToken cancellationToken = default) =>
        WatchAsync(instanceId, includePayloads, WorkflowAccess.AllTenants, cancellationToken);

    /// <inheritdoc cref="WatchAsync(string, bool, CancellationToken)"/>
    public async IAsyncEnumerable<WorkflowInstanceView> WatchAsync(
        string instanceId, bool includePayloads, WorkflowAccess access, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        WorkflowInstanceView? last = null;
        while (true)
        {
            var view = await GetAsync(instanceId, includePayloads, access, cancellationToken).ConfigureAwait(false);
            if (view is null)
            {
                yield break;
            }

            if (last is null || view.LastUpdatedAt != last.LastUpdatedAt || view.RuntimeStatus != last.RuntimeStatus
                || view.CustomStatus?.GetRawText() != last.CustomStatus?.GetRawText() || view.Steps.Count != last.Steps.Count)
            {
                last = view;
                yield return view;
            }

            if (view.IsCompleted)
            {
                yield break;
            }

            await Task.Delay(WatchInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether the instance exists as the same start (same workflow, same owner); one of another owner is a conflict that says
    /// nothing about that run, since the caller may be of another tenant.
    /// </summary>
    private async Task<bool> ExistingAsync(string name, string instanceId, string? owner, CancellationToken cancellationToken)
    {
        var existing = await ReadStateAsync(instanceId, true, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return false;
        }

        if (!string.Equals(OwnerOf(existing), owner, StringComparison.Ordinal))
        {
            throw new WorkflowInstanceConflictException($"Instance id '{instanceId}' is taken by another run; choose another id.");
        }

        return existing.WorkflowName == name
            ? true
            : throw new WorkflowInstanceConflictException(
                $"Instance '{instanceId}' already exists and runs workflow '{existing.WorkflowName}', not '{name}'.");
    }

    private async Task<WorkflowCommandResult> CommandAsync(
        string instanceId, WorkflowAccess access, Func<WorkflowState, bool> allowed, Func<Task> command, CancellationToken cancellationToken)
    {
        var state = await ReadVisibleStateAsync(instanceId, access, includePayloads: false, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return WorkflowCommandResult.NotFound;
        }

        if (!allowed(state))
        {
            return WorkflowCommandResult.InvalidState;
        }

        try
        {
            await command().ConfigureAwait(false);
            return WorkflowCommandResult.Applied;
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
        {
            return WorkflowCommandResult.NotFound;
        }
        catch (RpcException exception) when (exception.StatusCode is StatusCode.FailedPrecondition or StatusCode.AlreadyExists)
        {
            // The instance changed state between the check and the command (it ended, or another operator acted).
            return WorkflowCommandResult.InvalidState;
        }
    }

    /// <summary>The state when the instance exists and <paramref name="access"/> may see it; null otherwise (the same answer for both).</summary>
    private async Task<WorkflowState?> ReadVisibleStateAsync(
        string instanceId, WorkflowAccess access, bool includePayloads, CancellationToken cancellationToken)
    {
        // Only the input tells the owner: read it whenever ownership decides.
        var state = await ReadStateAsync(instanceId, includePayloads || access.TenantId is not null, cancellationToken).ConfigureAwait(false);
        return state is not null && (access.TenantId is null || access.Allows(OwnerOf(state))) ? state : null;
    }

    /// <summary>The tenant the run belongs to, from the input in its history (null: no tenant, or the state was read without payloads).</summary>
    private string? OwnerOf(WorkflowState state)
    {
        try
        {
            return catalog.OwnerOf(state.WorkflowName, state.ReadInputAs<JsonElement?>());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<WorkflowState?> ReadStateAsync(string instanceId, bool includePayloads, CancellationToken cancellationToken)
    {
        try
        {
            var state = await client.GetWorkflowStateAsync(instanceId, includePayloads, cancellationToken).ConfigureAwait(false);
            return state is { Exists: true } ? state : null;
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// The steps, from the instance's history. <see cref="DaprWorkflowClient.GetInstanceHistoryAsync"/> keeps only event ids,
    /// types and times, so this asks the same sidecar through the SDK's own gRPC client for the full events (task names,
    /// which schedule a result answers, failure messages).
    /// </summary>
    private async Task<IReadOnlyList<WorkflowStep>> StepsAsync(string instanceId, bool ended, CancellationToken cancellationToken)
    {
        GetInstanceHistoryResponse history;
        try
        {
            var headers = _apiToken is null ? null : new Metadata { { "dapr-api-token", _apiToken } };
            history = await sidecar.GetInstanceHistoryAsync(
                new GetInstanceHistoryRequest { InstanceId = instanceId }, headers, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
        {
            return [];
        }

        return WorkflowSteps.FromHistory(history.Events, ended);
    }

    /// <param name="state">Read with its payloads, so the owner is known.</param>
    private WorkflowInstanceView View(string instanceId, WorkflowState state, bool includePayloads, IReadOnlyList<WorkflowStep> steps) => new(
        instanceId,
        state.WorkflowName ?? "",
        state.RuntimeStatus,
        state.CreatedAt,
        state.LastUpdatedAt,
        includePayloads ? state.ReadInputAs<JsonElement?>() : null,
        includePayloads ? state.ReadOutputAs<JsonElement?>() : null,
        state.ReadCustomStatusAs<JsonElement?>(),
        state.FailureDetails,
        steps)
    {
        TenantId = OwnerOf(state),
    };

    private static string? Serialize(object? value, string what)
    {
        if (value is null)
        {
            return null;
        }

        var json = JsonSerializer.Serialize(value, value.GetType(), WorkflowJson.Options);
        var bytes = Encoding.UTF8.GetByteCount(json);
        return bytes > MaxPayloadBytes ? throw new WorkflowPayloadTooLargeException(what, bytes, MaxPayloadBytes) : json;
    }
}

/// <summary>Turns history events into steps: each scheduled task paired with the event that answered it.</summary>
internal static class WorkflowSteps
{
    public static IReadOnlyList<WorkflowStep> FromHistory(IEnumerable<HistoryEvent> events, bool ended)
    {
        var scheduled = new List<HistoryEvent>();
        var results = new Dictionary<(string Kind, int TaskId), HistoryEvent>();
        foreach (var e in events)
        {
            switch (e.EventTypeCase)
            {
                case HistoryEvent.EventTypeOneofCase.TaskScheduled:
                case HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCreated:
                case HistoryEvent.EventTypeOneofCase.TimerCreated when IsUserTimer(e.TimerCreated):
                    scheduled.Add(e);
                    break;
                case HistoryEvent.EventTypeOneofCase.TaskCompleted:
                    results.TryAdd(("activity", e.TaskCompleted.TaskScheduledId), e);
                    break;
                case HistoryEvent.EventTypeOneofCase.TaskFailed:
                    results.TryAdd(("activity", e.TaskFailed.TaskScheduledId), e);
                    break;
                case HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCompleted:
                    results.TryAdd(("childWorkflow", e.ChildWorkflowInstanceCompleted.TaskScheduledId), e);
                    break;
                case HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceFailed:
                    results.TryAdd(("childWorkflow", e.ChildWorkflowInstanceFailed.TaskScheduledId), e);
                    break;
                case HistoryEvent.EventTypeOneofCase.TimerFired:
                    results.TryAdd(("timer", e.TimerFired.TimerId), e);
                    break;
            }
        }

        return [.. scheduled.Select(s => Step(s, results, ended))];
    }

    /// <summary>Timers the workflow asked for; not the SDK's own (event-wait timeouts, retry back-off).</summary>
    private static bool IsUserTimer(TimerCreatedEvent timer) =>
        timer.OriginCase is TimerCreatedEvent.OriginOneofCase.None or TimerCreatedEvent.OriginOneofCase.CreateTimer;

    private static WorkflowStep Step(HistoryEvent scheduled, Dictionary<(string, int), HistoryEvent> results, bool ended)
    {
        var (kind, name) = scheduled.EventTypeCase switch
        {
            HistoryEvent.EventTypeOneofCase.TaskScheduled => ("activity", scheduled.TaskScheduled.Name),
            HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCreated =>
                ("childWorkflow", $"{scheduled.ChildWorkflowInstanceCreated.Name} ({scheduled.ChildWorkflowInstanceCreated.InstanceId})"),
            _ => ("timer", $"until {scheduled.TimerCreated.FireAt?.ToDateTimeOffset():O}"),
        };
        results.TryGetValue((kind, scheduled.EventId), out var result);
        var error = result?.EventTypeCase switch
        {
            HistoryEvent.EventTypeOneofCase.TaskFailed => result.TaskFailed.FailureDetails?.ErrorMessage ?? "failed",
            HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceFailed => result.ChildWorkflowInstanceFailed.FailureDetails?.ErrorMessage ?? "failed",
            _ => null,
        };
        var status = result is null ? (ended ? "Abandoned" : "Running") : error is null ? "Completed" : "Failed";
        var scheduledAt = scheduled.Timestamp?.ToDateTimeOffset() ?? default;
        var completedAt = result?.Timestamp?.ToDateTimeOffset();
        return new WorkflowStep(
            scheduled.EventId,
            kind,
            name,
            status,
            scheduledAt,
            scheduledAt,
            completedAt,
            completedAt is { } done ? (done - scheduledAt).TotalMilliseconds : null,
            error);
    }
}
