using System.Security.Cryptography;
using System.Text;

namespace Platform.TrainingWorkflow.Engine;

/// <summary>What one episode decided: new tasks to run, or the final outcome.</summary>
internal sealed record WorkflowEpisodeResult(
    WorkflowRuntimeStatus Status,
    IReadOnlyList<HistoryEvent> NewTasks,
    string? Output,
    WorkflowTaskFailureDetails? Failure,
    bool CustomStatusSet,
    string? CustomStatus);

/// <summary>
/// Runs one episode: replays the workflow code over the recorded history, then over the new events, and collects the
/// tasks the code asks for that history does not yet hold. Awaited durable tasks are completed one history event at a
/// time, in recorded order, on a private synchronization context, so the code sees exactly what it saw originally.
/// </summary>
internal sealed class WorkflowExecutor(WorkflowInstanceRecord record, IWorkflow workflow, int maxPayloadBytes) : WorkflowContext
{
    private readonly Dictionary<int, HistoryEvent> _recordedTasks = [];
    private readonly Dictionary<int, TaskCompletionSource<string?>> _pending = [];
    private readonly Dictionary<string, List<TaskCompletionSource<string?>>> _eventWaiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Queue<string?>> _bufferedEvents = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<HistoryEvent> _newTasks = [];
    private readonly EpisodeSynchronizationContext _synchronizationContext = new();
    private Task<object?>? _run;
    private int _nextTaskId;
    private int _guidCounter;
    private DateTimeOffset _now;
    private bool _isReplaying;
    private bool _customStatusSet;
    private string? _customStatus;

    public override string Name => record.Name;

    public override string InstanceId => record.InstanceId;

    public override DateTime CurrentUtcDateTime => _now.UtcDateTime;

    public override bool IsReplaying => _isReplaying;

    public WorkflowEpisodeResult Execute(IReadOnlyList<HistoryEvent> newEvents)
    {
        foreach (var recorded in record.History)
        {
            if (recorded.Kind is HistoryEventKind.ActivityScheduled or HistoryEventKind.TimerCreated or HistoryEventKind.ChildWorkflowScheduled)
            {
                _recordedTasks[recorded.TaskId!.Value] = recorded;
            }
        }

        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_synchronizationContext);
        try
        {
            var index = 0;
            foreach (var historyEvent in record.History.Concat(newEvents))
            {
                _isReplaying = index++ < record.History.Count;
                Apply(historyEvent);
                _synchronizationContext.Drain();
                if (_run is { IsCompleted: true })
                {
                    break;
                }
            }
        }
        catch (NonDeterministicWorkflowException exception)
        {
            return Failed(exception);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        return Outcome();
    }

    public override async Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, WorkflowTaskOptions? options = null)
    {
        var payload = SerializePayload(input, $"The input of activity '{name}'");
        var json = await WithRetries(
            options?.RetryPolicy,
            _ => ScheduleTask(new HistoryEvent(HistoryEventKind.ActivityScheduled, _now) { Name = name, Payload = payload })).ConfigureAwait(true);
        return DeserializeResult<TResult>(json);
    }

    public override Task CreateTimer(TimeSpan delay) => CreateTimer(_now.UtcDateTime + delay);

    public override Task CreateTimer(DateTime fireAt) =>
        ScheduleTask(new HistoryEvent(HistoryEventKind.TimerCreated, _now)
        {
            FireAt = new DateTimeOffset(DateTime.SpecifyKind(fireAt, DateTimeKind.Utc)),
        });

    public override async Task<T> WaitForExternalEventAsync<T>(string eventName, TimeSpan timeout)
    {
        if (_bufferedEvents.TryGetValue(eventName, out var buffered) && buffered.Count > 0)
        {
            return DeserializeResult<T>(buffered.Dequeue());
        }

        var waiter = new TaskCompletionSource<string?>();
        if (!_eventWaiters.TryGetValue(eventName, out var waiters))
        {
            _eventWaiters[eventName] = waiters = [];
        }

        waiters.Add(waiter);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            var timer = CreateTimer(timeout);
            var first = await Task.WhenAny(waiter.Task, timer).ConfigureAwait(true);
            if (first != waiter.Task)
            {
                waiters.Remove(waiter);
                throw new TaskCanceledException($"No '{eventName}' event arrived within {timeout}.");
            }
        }

        return DeserializeResult<T>(await waiter.Task.ConfigureAwait(true));
    }

    public override async Task<TResult> CallChildWorkflowAsync<TResult>(
        string workflowName, object? input = null, ChildWorkflowTaskOptions? options = null)
    {
        var payload = SerializePayload(input, $"The input of child workflow '{workflowName}'");
        var json = await WithRetries(options?.RetryPolicy, attempt =>
        {
            // A derived id is unique per call; an explicit one gets a suffix per retry so a failed child is not reused.
            var childId = options?.InstanceId is { } id ? (attempt == 1 ? id : $"{id}-{attempt}") : DerivedChildId();
            return ScheduleTask(new HistoryEvent(HistoryEventKind.ChildWorkflowScheduled, _now)
            {
                Name = workflowName,
                Payload = payload,
                ChildInstanceId = childId,
            });
        }).ConfigureAwait(true);
        return DeserializeResult<TResult>(json);
    }

    public override void SetCustomStatus(object? customStatus)
    {
        _customStatus = SerializePayload(customStatus, "The custom status");
        _customStatusSet = true;
    }

    public override Guid NewGuid()
    {
        // Name-based (version 5 layout) from values history fixes, so replays produce the same ids.
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes($"{InstanceId}|{_now.UtcTicks}|{_guidCounter++}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private string DerivedChildId()
    {
        var suffix = NewGuid().ToString("N");
        return InstanceId.Length + 1 + suffix.Length <= WorkflowInstanceId.MaxLength ? $"{InstanceId}-{suffix}" : suffix;
    }

    private async Task<string?> WithRetries(WorkflowRetryPolicy? policy, Func<int, Task<string?>> attemptTask)
    {
        var firstAttemptAt = _now;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await attemptTask(attempt).ConfigureAwait(true);
            }
            catch (WorkflowTaskFailedException) when (policy is not null && attempt < policy.MaxNumberOfAttempts)
            {
                var delay = policy.DelayAfter(attempt);
                if (policy.RetryTimeout != Timeout.InfiniteTimeSpan && _now + delay - firstAttemptAt > policy.RetryTimeout)
                {
                    throw;
                }

                await CreateTimer(delay).ConfigureAwait(true);
            }
        }
    }

    private Task<string?> ScheduleTask(HistoryEvent task)
    {
        var taskId = _nextTaskId++;
        if (_recordedTasks.TryGetValue(taskId, out var recorded))
        {
            if (recorded.Kind != task.Kind || !string.Equals(recorded.Name, task.Name, StringComparison.Ordinal))
            {
                throw new NonDeterministicWorkflowException(
                    $"Workflow '{Name}' instance '{InstanceId}': task {taskId} is recorded as {recorded.Kind} '{recorded.Name}' " +
                    $"but the code now asks for {task.Kind} '{task.Name}'. Workflow code changed under an in-flight instance.");
            }
        }
        else if (_isReplaying)
        {
            throw new NonDeterministicWorkflowException(
                $"Workflow '{Name}' instance '{InstanceId}': the code asks for {task.Kind} '{task.Name}' (task {taskId}) " +
                "that history does not hold. Workflow code changed under an in-flight instance, or it is not deterministic.");
        }
        else
        {
            _newTasks.Add(task with { TaskId = taskId });
        }

        var completion = new TaskCompletionSource<string?>();
        _pending[taskId] = completion;
        return completion.Task;
    }

    private void Apply(HistoryEvent historyEvent)
    {
        switch (historyEvent.Kind)
        {
            case HistoryEventKind.OrchestratorStarted:
                _now = historyEvent.Timestamp;
                break;
            case HistoryEventKind.WorkflowStarted:
                _run = Start();
                break;
            case HistoryEventKind.ActivityCompleted or HistoryEventKind.TimerFired or HistoryEventKind.ChildWorkflowCompleted:
                TakePending(historyEvent).SetResult(historyEvent.Payload);
                break;
            case HistoryEventKind.ActivityFailed or HistoryEventKind.ChildWorkflowFailed:
                var failure = historyEvent.Failure ?? new WorkflowTaskFailureDetails("Unknown", "No failure details were recorded.");
                TakePending(historyEvent).SetException(new WorkflowTaskFailedException(
                    $"Task '{historyEvent.Name}' (#{historyEvent.TaskId}) failed: {failure.ErrorMessage}", failure));
                break;
            case HistoryEventKind.EventRaised:
                Deliver(historyEvent.Name!, historyEvent.Payload);
                break;
        }
    }

    private Task<object?> Start()
    {
        try
        {
            return workflow.RunAsync(this, WorkflowJson.Deserialize(record.Input, workflow.InputType));
        }
        catch (Exception exception)
        {
            return Task.FromException<object?>(exception);
        }
    }

    private TaskCompletionSource<string?> TakePending(HistoryEvent result) =>
        _pending.Remove(result.TaskId ?? -1, out var completion)
            ? completion
            : throw new NonDeterministicWorkflowException(
                $"Workflow '{Name}' instance '{InstanceId}': history holds a result for task {result.TaskId} ({result.Kind}) " +
                "that the code did not ask for. Workflow code changed under an in-flight instance.");

    private void Deliver(string eventName, string? payload)
    {
        if (_eventWaiters.TryGetValue(eventName, out var waiters) && waiters.Count > 0)
        {
            var waiter = waiters[0];
            waiters.RemoveAt(0);
            waiter.SetResult(payload);
            return;
        }

        if (!_bufferedEvents.TryGetValue(eventName, out var buffered))
        {
            _bufferedEvents[eventName] = buffered = new Queue<string?>();
        }

        buffered.Enqueue(payload);
    }

    private WorkflowEpisodeResult Outcome()
    {
        if (_run is null)
        {
            return new WorkflowEpisodeResult(WorkflowRuntimeStatus.Pending, _newTasks, null, null, _customStatusSet, _customStatus);
        }

        if (_run.IsCompletedSuccessfully)
        {
            try
            {
                var output = SerializePayload(_run.Result, $"The output of workflow '{Name}'");
                return new WorkflowEpisodeResult(WorkflowRuntimeStatus.Completed, [], output, null, _customStatusSet, _customStatus);
            }
            catch (WorkflowPayloadTooLargeException exception)
            {
                return Failed(exception);
            }
        }

        if (_run.IsFaulted || _run.IsCanceled)
        {
            var exception = _run.Exception?.InnerExceptions.Count == 1 ? _run.Exception.InnerException! : (Exception?)_run.Exception;
            return Failed(exception ?? new TaskCanceledException("The workflow was cancelled."));
        }

        if (_pending.Count == 0 && _eventWaiters.Values.All(waiters => waiters.Count == 0))
        {
            return Failed(new InvalidOperationException(
                $"Workflow '{Name}' awaited a task that did not come from its WorkflowContext (e.g. Task.Delay or direct I/O); " +
                "use activities and CreateTimer instead."));
        }

        return new WorkflowEpisodeResult(WorkflowRuntimeStatus.Running, _newTasks, null, null, _customStatusSet, _customStatus);
    }

    private WorkflowEpisodeResult Failed(Exception exception) =>
        new(WorkflowRuntimeStatus.Failed, [], null, WorkflowTaskFailureDetails.From(exception), _customStatusSet, _customStatus);

    private string? SerializePayload(object? value, string what)
    {
        var json = WorkflowJson.Serialize(value, value?.GetType() ?? typeof(object));
        var bytes = json is null ? 0 : Encoding.UTF8.GetByteCount(json);
        return bytes > maxPayloadBytes ? throw new WorkflowPayloadTooLargeException(what, bytes, maxPayloadBytes) : json;
    }

    private static T DeserializeResult<T>(string? json) => (T)WorkflowJson.Deserialize(json, typeof(T))!;

    /// <summary>Queues continuations so that the executor runs them, on its own thread, between history events.</summary>
    private sealed class EpisodeSynchronizationContext : SynchronizationContext
    {
        private readonly Queue<(SendOrPostCallback Callback, object? State)> _work = new();
        private readonly Lock _gate = new();

        public override void Post(SendOrPostCallback d, object? state)
        {
            lock (_gate)
            {
                _work.Enqueue((d, state));
            }
        }

        public override void Send(SendOrPostCallback d, object? state) => d(state);

        public override SynchronizationContext CreateCopy() => this;

        public void Drain()
        {
            while (true)
            {
                (SendOrPostCallback Callback, object? State) item;
                lock (_gate)
                {
                    if (!_work.TryDequeue(out item))
                    {
                        return;
                    }
                }

                item.Callback(item.State);
            }
        }
    }
}
