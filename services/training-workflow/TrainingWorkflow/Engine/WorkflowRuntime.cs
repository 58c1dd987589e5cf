using System.Collections.Concurrent;
using System.Text;
using Platform.BuildingBlocks.StateStore;

namespace Platform.TrainingWorkflow.Engine;

/// <summary>
/// Runs workflow instances. One driver per instance at a time in this process; across processes, the instance lease
/// decides which host drives it, so an activity never runs on two hosts at once. A periodic scan of unfinished
/// instances resumes work after a crash (once the crashed host's lease expires) and picks up changes made elsewhere.
/// </summary>
public sealed partial class WorkflowRuntime(
    IServiceProvider services,
    WorkflowInstanceStore store,
    WorkflowEngineOptions options,
    TimeProvider timeProvider,
    ILogger<WorkflowRuntime> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, InstanceDriver> _drivers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _timerWakeUps = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _crash = new();
    private CancellationTokenSource? _lifetime;
    private bool _accepting;

    public string HostId { get; } = options.HostId ?? $"{Environment.MachineName}-{Guid.NewGuid():N}";

    /// <summary>Asks the runtime to look at an instance now (after a start, an event, a resume).</summary>
    public void Signal(string instanceId)
    {
        InstanceDriver? driver;
        lock (_gate)
        {
            // Before start-up the first scan will see the instance anyway.
            if (!_accepting)
            {
                return;
            }

            if (_drivers.TryGetValue(instanceId, out var running))
            {
                running.Wake();
                return;
            }

            _drivers[instanceId] = driver = new InstanceDriver();
        }

        _ = Task.Run(() => DriveAsync(instanceId, driver));
    }

    /// <summary>
    /// Test hook: stops like a killed process. Drivers and activities are cancelled mid-flight, nothing is saved,
    /// and leases are kept until they expire.
    /// </summary>
    internal void SimulateCrash()
    {
        lock (_gate)
        {
            _accepting = false;
        }

        _crash.Cancel();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _lifetime = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _crash.Token);
        var lifetime = _lifetime.Token;
        lock (_gate)
        {
            _accepting = true;
        }

        while (!lifetime.IsCancellationRequested)
        {
            try
            {
                foreach (var instanceId in await store.ListActiveInstanceIdsAsync(lifetime).ConfigureAwait(false))
                {
                    Signal(instanceId);
                }

                await Task.Delay(options.PollInterval, timeProvider, lifetime).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                LogScanFailed(exception);
                await Task.Delay(options.PollInterval, timeProvider, lifetime).ConfigureAwait(false);
            }
        }

        lock (_gate)
        {
            _accepting = false;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        Task[] drivers;
        lock (_gate)
        {
            drivers = [.. _drivers.Values.Select(driver => driver.Completion)];
        }

        // Drivers release their leases as they stop, so another host can continue at once.
        await Task.WhenAll(drivers).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task DriveAsync(string instanceId, InstanceDriver driver)
    {
        var lifetime = _lifetime!.Token;
        try
        {
            while (true)
            {
                await RunInstanceAsync(instanceId, driver, lifetime).ConfigureAwait(false);
                lock (_gate)
                {
                    if (!driver.WakeRequested || !_accepting)
                    {
                        _drivers.Remove(instanceId);
                        return;
                    }

                    driver.ResetWake();
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            Forget(instanceId);
        }
        catch (Exception exception)
        {
            LogDriverFailed(exception, instanceId);
            Forget(instanceId);
        }
        finally
        {
            driver.MarkCompleted();
        }
    }

    private void Forget(string instanceId)
    {
        lock (_gate)
        {
            _drivers.Remove(instanceId);
        }
    }

    private async Task RunInstanceAsync(string instanceId, InstanceDriver driver, CancellationToken lifetime)
    {
        // Cheap read-only check first: most scans find nothing to do and should not write a lease.
        var (record, _) = await store.LoadAsync(instanceId, lifetime).ConfigureAwait(false);
        if (record is null || record.IsTerminal || record.Status == WorkflowRuntimeStatus.Suspended)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        if (!(record.Status == WorkflowRuntimeStatus.Pending || record.Inbox.Count > 0 || DueTimers(record, now).Any()
            || UnfinishedTasks(record, HistoryEventKind.ActivityScheduled).Any() || UnfinishedTasks(record, HistoryEventKind.ChildWorkflowScheduled).Any()))
        {
            ScheduleTimerWakeUp(record);
            return;
        }

        var leaseETag = await store.TryAcquireLeaseAsync(instanceId, HostId, options.LeaseDuration, lifetime).ConfigureAwait(false);
        if (leaseETag is null)
        {
            return;
        }

        var lease = new HeldLease(leaseETag);
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        using var stopRenewing = new CancellationTokenSource();
        var renewal = KeepLeaseAsync(instanceId, lease, leaseLost, stopRenewing.Token);
        try
        {
            await ProcessAsync(instanceId, driver, leaseLost.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (leaseLost.IsCancellationRequested && !lifetime.IsCancellationRequested)
        {
            // Another host took the instance over; it continues from the stored history.
        }
        finally
        {
            await stopRenewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
            if (!_crash.IsCancellationRequested && !leaseLost.IsCancellationRequested)
            {
                await store.ReleaseLeaseAsync(instanceId, lease.ETag, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task KeepLeaseAsync(string instanceId, HeldLease lease, CancellationTokenSource leaseLost, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.LeaseDuration / 3, timeProvider, stop).ConfigureAwait(false);
                var renewed = await store.RenewLeaseAsync(instanceId, HostId, lease.ETag, options.LeaseDuration, stop).ConfigureAwait(false);
                if (renewed is null)
                {
                    LogLeaseLost(instanceId);
                    await leaseLost.CancelAsync().ConfigureAwait(false);
                    return;
                }

                lease.ETag = renewed;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>The episode loop of one instance while this host holds its lease.</summary>
    private async Task ProcessAsync(string instanceId, InstanceDriver driver, CancellationToken leaseToken)
    {
        using var activityCancellation = CancellationTokenSource.CreateLinkedTokenSource(leaseToken);
        var running = new Dictionary<int, Task>();
        try
        {
            while (true)
            {
                leaseToken.ThrowIfCancellationRequested();
                lock (_gate)
                {
                    driver.ResetWake();
                }

                var (record, etag) = await store.LoadAsync(instanceId, leaseToken).ConfigureAwait(false);
                if (record is null || record.IsTerminal)
                {
                    await activityCancellation.CancelAsync().ConfigureAwait(false);
                    return;
                }

                if (record.Status == WorkflowRuntimeStatus.Suspended)
                {
                    // Running activities finish and queue their results for after the resume.
                    return;
                }

                await CollectChildResultsAsync(record, leaseToken).ConfigureAwait(false);
                var now = timeProvider.GetUtcNow();
                var newEvents = record.Inbox.Concat(DueTimers(record, now)).OrderBy(e => e.Timestamp).ToList();
                if (newEvents.Count > 0 || record.Status == WorkflowRuntimeStatus.Pending)
                {
                    RunEpisode(record, newEvents, now);
                    try
                    {
                        await store.SaveAsync(record, etag!, leaseToken).ConfigureAwait(false);
                    }
                    catch (StateConcurrencyException)
                    {
                        continue;
                    }

                    if (record.IsTerminal)
                    {
                        LogInstanceEnded(instanceId, record.Name, record.Status);
                        if (record.ParentInstanceId is { } parent)
                        {
                            Signal(parent);
                        }

                        return;
                    }
                }

                foreach (var scheduled in UnfinishedTasks(record, HistoryEventKind.ActivityScheduled).Where(s => !running.ContainsKey(s.TaskId!.Value)))
                {
                    running[scheduled.TaskId!.Value] = Task.Run(() => RunActivityAsync(instanceId, scheduled, activityCancellation.Token), CancellationToken.None);
                }

                await StartChildrenAsync(record, leaseToken).ConfigureAwait(false);
                if (running.Count == 0)
                {
                    ScheduleTimerWakeUp(record);
                    return;
                }

                await Task.WhenAny([.. running.Values, driver.WakeTask]).WaitAsync(leaseToken).ConfigureAwait(false);
                foreach (var done in running.Where(pair => pair.Value.IsCompleted).Select(pair => pair.Key).ToList())
                {
                    running.Remove(done);
                }
            }
        }
        finally
        {
            if (leaseToken.IsCancellationRequested)
            {
                await activityCancellation.CancelAsync().ConfigureAwait(false);
            }

            if (!_crash.IsCancellationRequested)
            {
                // Keep the lease until our activities have stopped, so no other host starts them meanwhile.
                await Task.WhenAll(running.Values).ConfigureAwait(false);
            }
        }
    }

    private void RunEpisode(WorkflowInstanceRecord record, List<HistoryEvent> newEvents, DateTimeOffset now)
    {
        List<HistoryEvent> episode = [new HistoryEvent(HistoryEventKind.OrchestratorStarted, now)];
        if (record.Status == WorkflowRuntimeStatus.Pending)
        {
            episode.Add(new HistoryEvent(HistoryEventKind.WorkflowStarted, now) { Name = record.Name, Payload = record.Input });
        }

        episode.AddRange(newEvents);
        WorkflowEpisodeResult result;
        if (options.Workflows.TryGetValue(record.Name, out var workflowType))
        {
            using var scope = services.CreateScope();
            var workflow = (IWorkflow)scope.ServiceProvider.GetRequiredService(workflowType);
            result = new WorkflowExecutor(record, workflow, options.MaxPayloadBytes).Execute(episode);
        }
        else
        {
            result = new WorkflowEpisodeResult(WorkflowRuntimeStatus.Failed, [], null,
                new WorkflowTaskFailureDetails(typeof(InvalidOperationException).FullName!, $"No workflow named '{record.Name}' is registered on host {HostId}."),
                false, null);
        }

        record.Inbox.Clear();
        record.History.AddRange(episode);
        record.History.AddRange(result.NewTasks);
        if (result.CustomStatusSet)
        {
            record.CustomStatus = result.CustomStatus;
        }

        record.Status = result.Status;
        switch (result.Status)
        {
            case WorkflowRuntimeStatus.Completed:
                record.Output = result.Output;
                record.History.Add(new HistoryEvent(HistoryEventKind.WorkflowCompleted, now) { Payload = result.Output });
                break;
            case WorkflowRuntimeStatus.Failed:
                record.Failure = result.Failure;
                record.History.Add(new HistoryEvent(HistoryEventKind.WorkflowFailed, now) { Failure = result.Failure });
                break;
        }
    }

    private async Task RunActivityAsync(string instanceId, HistoryEvent scheduled, CancellationToken cancellationToken)
    {
        var name = scheduled.Name!;
        var taskId = scheduled.TaskId!.Value;
        var startedAt = timeProvider.GetUtcNow();
        HistoryEvent result;
        try
        {
            if (!options.Activities.TryGetValue(name, out var activityType))
            {
                throw new InvalidOperationException($"No activity named '{name}' is registered on host {HostId}.");
            }

            await using var scope = services.CreateAsyncScope();
            var activity = (IWorkflowActivity)scope.ServiceProvider.GetRequiredService(activityType);
            var input = WorkflowJson.Deserialize(scheduled.Payload, activity.InputType);
            var output = await activity.RunAsync(new WorkflowActivityContext(name, instanceId, taskId, cancellationToken), input).ConfigureAwait(false);
            var json = WorkflowJson.Serialize(output, output?.GetType() ?? typeof(object));
            var bytes = json is null ? 0 : Encoding.UTF8.GetByteCount(json);
            if (bytes > options.MaxPayloadBytes)
            {
                throw new WorkflowPayloadTooLargeException($"The output of activity '{name}'", bytes, options.MaxPayloadBytes);
            }

            result = new HistoryEvent(HistoryEventKind.ActivityCompleted, timeProvider.GetUtcNow()) { Payload = json };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Terminated, or this host lost the instance: whoever owns it now decides what happens.
            return;
        }
        catch (Exception exception)
        {
            LogActivityFailed(exception, name, instanceId);
            result = new HistoryEvent(HistoryEventKind.ActivityFailed, timeProvider.GetUtcNow()) { Failure = WorkflowTaskFailureDetails.From(exception) };
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        result = result with { TaskId = taskId, Name = name, StartedAt = startedAt };
        await store.UpdateAsync(instanceId, record => !record.IsTerminal && !HasResult(record, taskId) && Add(record.Inbox, result), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Creates child instances the history asks for (idempotent: also repairs a crash between save and create).</summary>
    private async Task StartChildrenAsync(WorkflowInstanceRecord record, CancellationToken cancellationToken)
    {
        foreach (var scheduled in UnfinishedTasks(record, HistoryEventKind.ChildWorkflowScheduled))
        {
            var childId = scheduled.ChildInstanceId!;
            var (child, _) = await store.LoadAsync(childId, cancellationToken).ConfigureAwait(false);
            if (child is null)
            {
                var now = timeProvider.GetUtcNow();
                await store.CreateAsync(
                    new WorkflowInstanceRecord
                    {
                        InstanceId = childId,
                        Name = scheduled.Name!,
                        Input = scheduled.Payload,
                        CreatedAt = now,
                        LastUpdatedAt = now,
                        ParentInstanceId = record.InstanceId,
                        ParentTaskId = scheduled.TaskId,
                        CreationNonce = Guid.NewGuid().ToString("N"),
                    },
                    cancellationToken).ConfigureAwait(false);
                Signal(childId);
            }
        }
    }

    /// <summary>Moves results of ended children into the inbox (children signal their parent, this reads the outcome).</summary>
    private async Task CollectChildResultsAsync(WorkflowInstanceRecord record, CancellationToken cancellationToken)
    {
        foreach (var scheduled in UnfinishedTasks(record, HistoryEventKind.ChildWorkflowScheduled).ToList())
        {
            var (child, _) = await store.LoadAsync(scheduled.ChildInstanceId!, cancellationToken).ConfigureAwait(false);
            if (child is not { IsTerminal: true })
            {
                continue;
            }

            record.Inbox.Add(child.Status == WorkflowRuntimeStatus.Completed
                ? new HistoryEvent(HistoryEventKind.ChildWorkflowCompleted, child.LastUpdatedAt)
                {
                    TaskId = scheduled.TaskId,
                    Name = scheduled.Name,
                    Payload = child.Output,
                    ChildInstanceId = child.InstanceId,
                }
                : new HistoryEvent(HistoryEventKind.ChildWorkflowFailed, child.LastUpdatedAt)
                {
                    TaskId = scheduled.TaskId,
                    Name = scheduled.Name,
                    ChildInstanceId = child.InstanceId,
                    Failure = child.Failure ?? new WorkflowTaskFailureDetails("WorkflowTerminated", $"Child workflow '{child.InstanceId}' was {child.Status}."),
                });
        }
    }

    private void ScheduleTimerWakeUp(WorkflowInstanceRecord record)
    {
        var next = PendingTimers(record).Select(t => t.FireAt!.Value).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        if (next == DateTimeOffset.MaxValue)
        {
            return;
        }

        var instanceId = record.InstanceId;
        if (_timerWakeUps.TryGetValue(instanceId, out var planned) && planned <= next)
        {
            return;
        }

        _timerWakeUps[instanceId] = next;
        _ = WakeAtAsync(instanceId, next);
    }

    private async Task WakeAtAsync(string instanceId, DateTimeOffset fireAt)
    {
        var lifetime = _lifetime?.Token ?? CancellationToken.None;
        try
        {
            var delay = fireAt - timeProvider.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, timeProvider, lifetime).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        finally
        {
            _timerWakeUps.TryRemove(new KeyValuePair<string, DateTimeOffset>(instanceId, fireAt));
        }

        Signal(instanceId);
    }

    private static bool Add(List<HistoryEvent> inbox, HistoryEvent result)
    {
        inbox.Add(result);
        return true;
    }

    private static bool HasResult(WorkflowInstanceRecord record, int taskId) =>
        record.History.Concat(record.Inbox).Any(e => e.TaskId == taskId && IsResult(e.Kind));

    private static bool IsResult(HistoryEventKind kind) => kind is HistoryEventKind.ActivityCompleted or HistoryEventKind.ActivityFailed
        or HistoryEventKind.TimerFired or HistoryEventKind.ChildWorkflowCompleted or HistoryEventKind.ChildWorkflowFailed;

    /// <summary>Scheduled tasks of <paramref name="kind"/> with no result in history or inbox.</summary>
    private static IEnumerable<HistoryEvent> UnfinishedTasks(WorkflowInstanceRecord record, HistoryEventKind kind)
    {
        var finished = record.History.Concat(record.Inbox).Where(e => IsResult(e.Kind)).Select(e => e.TaskId).ToHashSet();
        return record.History.Where(e => e.Kind == kind && !finished.Contains(e.TaskId));
    }

    private static IEnumerable<HistoryEvent> PendingTimers(WorkflowInstanceRecord record) => UnfinishedTasks(record, HistoryEventKind.TimerCreated);

    private static IEnumerable<HistoryEvent> DueTimers(WorkflowInstanceRecord record, DateTimeOffset now) =>
        PendingTimers(record)
            .Where(timer => timer.FireAt <= now)
            .Select(timer => new HistoryEvent(HistoryEventKind.TimerFired, timer.FireAt!.Value) { TaskId = timer.TaskId });

    [LoggerMessage(Level = LogLevel.Error, Message = "Scanning for workflow instances failed")]
    private partial void LogScanFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Driving workflow instance {InstanceId} failed; the next scan retries")]
    private partial void LogDriverFailed(Exception exception, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lease of workflow instance {InstanceId}; stopping its work here")]
    private partial void LogLeaseLost(string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow instance {InstanceId} ({Name}) ended: {Status}")]
    private partial void LogInstanceEnded(string instanceId, string name, WorkflowRuntimeStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activity {Activity} of workflow instance {InstanceId} failed")]
    private partial void LogActivityFailed(Exception exception, string activity, string instanceId);

    private sealed class HeldLease(string etag)
    {
        public string ETag { get; set; } = etag;
    }

    /// <summary>Per-instance wake-up flag: a signal during an episode makes the driver look again before it exits.</summary>
    private sealed class InstanceDriver
    {
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool WakeRequested { get; private set; }

        public Task WakeTask => _wake.Task;

        public Task Completion => _completion.Task;

        public void Wake()
        {
            WakeRequested = true;
            _wake.TrySetResult();
        }

        public void ResetWake()
        {
            WakeRequested = false;
            if (_wake.Task.IsCompleted)
            {
                _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public void MarkCompleted() => _completion.TrySetResult();
    }
}
