using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Platform.TrainingWorkflow.Engine;

/// <summary>Starts and controls workflow instances; method names follow Dapr's <c>DaprWorkflowClient</c>.</summary>
public sealed class WorkflowClient(WorkflowInstanceStore store, WorkflowRuntime runtime, WorkflowEngineOptions options, TimeProvider timeProvider)
{
    /// <summary>How often watchers re-read an instance when no in-process change notification arrives (changes by other hosts).</summary>
    private static readonly TimeSpan WatchPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Starts an instance; with an existing <paramref name="instanceId"/> of the same workflow it returns that id (idempotent).</summary>
    public async Task<string> ScheduleNewWorkflowAsync(
        string name, string? instanceId = null, object? input = null, CancellationToken cancellationToken = default) =>
        (await StartWorkflowAsync(name, instanceId, input, cancellationToken).ConfigureAwait(false)).InstanceId;

    /// <summary>As <see cref="ScheduleNewWorkflowAsync"/>, also saying whether this call created the instance.</summary>
    /// <exception cref="ArgumentException">Invalid instance id, unknown workflow name, input not matching the workflow, or too large.</exception>
    /// <exception cref="WorkflowInstanceConflictException">The id is used by a workflow of another name.</exception>
    public async Task<(string InstanceId, bool Created)> StartWorkflowAsync(
        string name, string? instanceId, object? input, CancellationToken cancellationToken = default)
    {
        instanceId ??= Guid.NewGuid().ToString("N");
        if (WorkflowInstanceId.Validate(instanceId) is { } idError)
        {
            throw new ArgumentException(idError, nameof(instanceId));
        }

        if (!options.Workflows.TryGetValue(name, out var workflowType))
        {
            throw new ArgumentException($"No workflow named '{name}' is registered.", nameof(name));
        }

        var inputJson = ValidateInput(name, workflowType, input);
        var now = timeProvider.GetUtcNow();
        var (record, created) = await store.CreateAsync(
            new WorkflowInstanceRecord
            {
                InstanceId = instanceId,
                Name = name,
                Status = WorkflowRuntimeStatus.Pending,
                Input = inputJson,
                CreatedAt = now,
                LastUpdatedAt = now,
                CreationNonce = Guid.NewGuid().ToString("N"),
            },
            cancellationToken).ConfigureAwait(false);
        if (record.Name != name)
        {
            throw new WorkflowInstanceConflictException(
                $"Instance '{instanceId}' already exists and runs workflow '{record.Name}', not '{name}'.");
        }

        if (created)
        {
            runtime.Signal(instanceId);
        }

        return (instanceId, created);
    }

    public async Task<WorkflowState?> GetWorkflowStateAsync(string instanceId, bool getInputsAndOutputs = true, CancellationToken cancellationToken = default)
    {
        var (record, _) = await store.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return record is null ? null : WorkflowState.From(record, getInputsAndOutputs);
    }

    /// <summary>Instances filtered by workflow name and status, newest first. Reads every instance record: meant for operators, not hot paths.</summary>
    public async Task<WorkflowStatePage> ListWorkflowsAsync(
        string? name = null, WorkflowRuntimeStatus? status = null, int page = 1, int pageSize = 50, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var matches = new List<WorkflowState>();
        foreach (var instanceId in await store.ListInstanceIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            var (record, _) = await store.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
            if (record is not null && (name is null || record.Name == name) && (status is null || record.Status == status))
            {
                matches.Add(WorkflowState.From(record, includePayloads: false));
            }
        }

        var items = matches.OrderByDescending(s => s.CreatedAt).ThenBy(s => s.InstanceId, StringComparer.Ordinal)
            .Skip((page - 1) * pageSize).Take(pageSize).ToList();
        return new WorkflowStatePage(items, page, pageSize, matches.Count);
    }

    /// <summary>Delivers an event to <see cref="WorkflowContext.WaitForExternalEventAsync{T}(string, TimeSpan)"/>; buffered until awaited.</summary>
    public async Task<WorkflowCommandResult> RaiseEventAsync(
        string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        var payload = Serialize(eventPayload, $"The payload of event '{eventName}'");
        var result = await ChangeAsync(instanceId, record =>
        {
            if (record.IsTerminal)
            {
                return false;
            }

            record.Inbox.Add(new HistoryEvent(HistoryEventKind.EventRaised, timeProvider.GetUtcNow()) { Name = eventName, Payload = payload });
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Pauses an instance after its current step: running activities finish, nothing new starts until resumed.</summary>
    public Task<WorkflowCommandResult> SuspendWorkflowAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(instanceId, record =>
        {
            if (record.Status is not (WorkflowRuntimeStatus.Pending or WorkflowRuntimeStatus.Running))
            {
                return false;
            }

            record.History.Add(new HistoryEvent(HistoryEventKind.Suspended, timeProvider.GetUtcNow()) { Payload = Serialize(reason, "The reason") });
            record.Status = WorkflowRuntimeStatus.Suspended;
            return true;
        }, cancellationToken);

    public Task<WorkflowCommandResult> ResumeWorkflowAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(instanceId, record =>
        {
            if (record.Status != WorkflowRuntimeStatus.Suspended)
            {
                return false;
            }

            record.History.Add(new HistoryEvent(HistoryEventKind.Resumed, timeProvider.GetUtcNow()) { Payload = Serialize(reason, "The reason") });
            record.Status = record.History.Any(e => e.Kind == HistoryEventKind.WorkflowStarted)
                ? WorkflowRuntimeStatus.Running
                : WorkflowRuntimeStatus.Pending;
            return true;
        }, cancellationToken);

    /// <summary>Ends an instance and its running child workflows now; running activities are cancelled and their results ignored.</summary>
    public async Task<WorkflowCommandResult> TerminateWorkflowAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default)
    {
        var payload = Serialize(output, "The termination output");
        WorkflowInstanceRecord? terminated = null;
        var result = await ChangeAsync(instanceId, record =>
        {
            if (record.IsTerminal)
            {
                return false;
            }

            record.History.Add(new HistoryEvent(HistoryEventKind.Terminated, timeProvider.GetUtcNow()) { Payload = payload });
            record.Status = WorkflowRuntimeStatus.Terminated;
            record.Output = payload;
            terminated = record;
            return true;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var childId in terminated is null ? [] : ChildInstanceIds(terminated))
        {
            await TerminateWorkflowAsync(childId, $"Parent '{instanceId}' was terminated.", cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Deletes an ended instance, its history and its child workflows. Running instances must be terminated first.</summary>
    public async Task<WorkflowCommandResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var (record, _) = await store.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return WorkflowCommandResult.NotFound;
        }

        if (!record.IsTerminal)
        {
            return WorkflowCommandResult.InvalidState;
        }

        foreach (var childId in ChildInstanceIds(record))
        {
            await PurgeInstanceAsync(childId, cancellationToken).ConfigureAwait(false);
        }

        return await store.PurgeAsync(instanceId, cancellationToken).ConfigureAwait(false)
            ? WorkflowCommandResult.Applied
            : WorkflowCommandResult.NotFound;
    }

    private static IEnumerable<string> ChildInstanceIds(WorkflowInstanceRecord record) =>
        record.History.Where(e => e.Kind == HistoryEventKind.ChildWorkflowScheduled).Select(e => e.ChildInstanceId!).Distinct(StringComparer.Ordinal);

    /// <summary>Waits until the instance is Completed, Failed or Terminated.</summary>
    public async Task<WorkflowState> WaitForWorkflowCompletionAsync(string instanceId, bool getInputsAndOutputs = true, CancellationToken cancellationToken = default)
    {
        await foreach (var state in WatchWorkflowAsync(instanceId, getInputsAndOutputs, cancellationToken).ConfigureAwait(false))
        {
            if (state.IsWorkflowCompleted)
            {
                return state;
            }
        }

        throw new InvalidOperationException($"Workflow instance '{instanceId}' does not exist (or was purged).");
    }

    /// <summary>Yields the instance's state now and after every change, until it ends or disappears.</summary>
    public async IAsyncEnumerable<WorkflowState> WatchWorkflowAsync(
        string instanceId, bool getInputsAndOutputs = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        DateTimeOffset? lastSeen = null;
        WorkflowRuntimeStatus? lastStatus = null;
        string? lastCustomStatus = null;
        var lastStepCount = -1;
        while (true)
        {
            // Subscribe before reading so a change between the read and the wait is not missed.
            var changed = store.WaitForChangeAsync(instanceId);
            var state = await GetWorkflowStateAsync(instanceId, getInputsAndOutputs, cancellationToken).ConfigureAwait(false);
            if (state is null)
            {
                yield break;
            }

            if (state.LastUpdatedAt != lastSeen || state.RuntimeStatus != lastStatus || state.SerializedCustomStatus != lastCustomStatus
                || state.Steps.Count != lastStepCount)
            {
                (lastSeen, lastStatus, lastCustomStatus, lastStepCount) =
                    (state.LastUpdatedAt, state.RuntimeStatus, state.SerializedCustomStatus, state.Steps.Count);
                yield return state;
            }

            if (state.IsWorkflowCompleted)
            {
                yield break;
            }

            await Task.WhenAny(changed, Task.Delay(WatchPollInterval, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task<WorkflowCommandResult> ChangeAsync(
        string instanceId, Func<WorkflowInstanceRecord, bool> change, CancellationToken cancellationToken)
    {
        var applied = false;
        var record = await store.UpdateAsync(instanceId, r => applied = change(r), cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return WorkflowCommandResult.NotFound;
        }

        if (!applied)
        {
            return WorkflowCommandResult.InvalidState;
        }

        runtime.Signal(instanceId);
        if (record.IsTerminal && record.ParentInstanceId is { } parent)
        {
            runtime.Signal(parent);
        }

        return WorkflowCommandResult.Applied;
    }

    private string? ValidateInput(string name, Type workflowType, object? input)
    {
        var json = Serialize(input, $"The input of workflow '{name}'");
        var inputType = WorkflowInputType(workflowType);
        try
        {
            WorkflowJson.Deserialize(json, inputType);
        }
        catch (JsonException exception)
        {
            throw new ArgumentException($"The input does not fit workflow '{name}' (expects {inputType.Name}): {exception.Message}", nameof(input), exception);
        }

        return json;
    }

    private static Type WorkflowInputType(Type workflowType)
    {
        for (var type = workflowType; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Workflow<,>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        return typeof(object);
    }

    private string? Serialize(object? value, string what)
    {
        var json = WorkflowJson.Serialize(value, value?.GetType() ?? typeof(object));
        var bytes = json is null ? 0 : Encoding.UTF8.GetByteCount(json);
        return bytes > options.MaxPayloadBytes ? throw new WorkflowPayloadTooLargeException(what, bytes, options.MaxPayloadBytes) : json;
    }
}
