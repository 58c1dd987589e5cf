using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Platform.EmbeddedWorkflowSidecar;

/// <summary>One connected <c>GetWorkItems</c> stream: a worker process.</summary>
internal sealed class WorkerStream
{
    public Guid Id { get; } = Guid.NewGuid();
    public Channel<WorkItem> Items { get; } = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    public int WorkflowsInFlight;
    public int ActivitiesInFlight;

    /// <summary>Names this worker answered "not registered" for: routed to other workers from then on.</summary>
    public ConcurrentDictionary<string, bool> RefusedWorkflows { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, bool> RefusedActivities { get; } = new(StringComparer.Ordinal);
}

internal sealed record PendingTurn(WorkerStream Stream, ClaimedInstance Claimed, List<HistoryEvent> PastEvents, List<HistoryEvent> NewEvents, long SentAt);

internal sealed record PendingActivity(WorkerStream Stream, long ActivityId, ActivityRequest Request, long SentAt);

/// <summary>
/// The sidecar's engine: leases work in PostgreSQL, hands it to connected workers, and commits their answers. Woken
/// by LISTEN/NOTIFY (its own commits, other sidecars', clients') and by the next due timer; it never busy-polls.
/// </summary>
internal sealed class WorkDispatcher(SidecarStore store, SidecarSchemaOwner schemaOwner, IOptions<WorkflowSidecarOptions> options, ILogger<WorkDispatcher> logger) : BackgroundService
{
    private const string WorkflowNotFound = "WorkflowNotFound";
    private const string ActivityNotFound = "ActivityNotFoundException";

    private readonly WorkflowSidecarOptions _options = options.Value;
    private readonly ConcurrentDictionary<Guid, WorkerStream> _streams = new();
    private readonly ConcurrentDictionary<string, PendingTurn> _turns = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PendingActivity> _activities = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string ExecutionId, List<HistoryEvent> Events)> _historyCache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _instanceWaiters = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private TaskCompletionSource _workersChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextDueTicks = DateTime.MaxValue.Ticks;

    // What the next dispatch pass must look for: instances with deliverable inbox rows, activities nobody holds.
    // Set by whatever may have created such work, so an idle sidecar runs no queries.
    private volatile bool _claimInstances = true;
    private volatile bool _claimActivities = true;

    public string SidecarId => store.SidecarId;

    public string Address { get; set; } = "";

    /// <summary>Instances may have deliverable inbox rows.</summary>
    public void Wake()
    {
        _claimInstances = true;
        Signal();
    }

    /// <summary>Anything may be waiting: another sidecar's work, released leases, a connected worker.</summary>
    public void WakeAll()
    {
        _claimActivities = true;
        Wake();
    }

    private void Signal()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    /// <summary>Something (a timer, a delayed start) becomes deliverable at <paramref name="at"/>.</summary>
    public void DueAt(DateTime at)
    {
        var ticks = at.ToUniversalTime().Ticks;
        long current;
        while (ticks < (current = Interlocked.Read(ref _nextDueTicks)))
        {
            if (Interlocked.CompareExchange(ref _nextDueTicks, ticks, current) == current)
            {
                Wake();
                break;
            }
        }
    }

    /// <summary>A task that completes at the next change of <paramref name="instanceId"/> seen by this sidecar.</summary>
    public Task InstanceChanged(string instanceId) =>
        _instanceWaiters.GetOrAdd(instanceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void SignalInstance(string instanceId)
    {
        if (_instanceWaiters.TryRemove(instanceId, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    public void ForgetHistory(string instanceId) => _historyCache.TryRemove(instanceId, out _);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await (schemaOwner.DataSource is { } owner
            ? SidecarSchema.EnsureCreatedAsync(owner, grantee: store.DataSource, cancellationToken)
            : SidecarSchema.EnsureCreatedAsync(store.DataSource, grantee: null, cancellationToken));
        await store.RegisterSidecarAsync(SidecarId, Address, cancellationToken);
        if (await store.NextVisibleAtAsync(cancellationToken) is { } next)
        {
            DueAt(next);
        }

        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var stream in _streams.Values)
        {
            stream.Items.Writer.TryComplete();
        }

        await base.StopAsync(cancellationToken);
        try
        {
            await store.UnregisterSidecarAsync(SidecarId, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or ObjectDisposedException)
        {
            logger.LogWarning(ex, "Could not give the workflow sidecar's leases back; they expire after {Lease}.", _options.LeaseDuration);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(DispatchLoopAsync(stoppingToken), ListenLoopAsync(stoppingToken), HeartbeatLoopAsync(stoppingToken));

    // ---- worker streams -------------------------------------------------------------------------------------

    /// <summary>Workers connected now: open <c>GetWorkItems</c> streams, each one ready to be handed work.</summary>
    public int ConnectedWorkers => _streams.Count;

    /// <summary>Completes once at least <paramref name="count"/> workers are connected (woken by each connect, never polled).</summary>
    public async Task WaitForWorkersAsync(int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Taken before the count is read: a connect after the read completes this signal.
            var changed = Volatile.Read(ref _workersChanged).Task;
            if (_streams.Count >= count)
            {
                return;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    private void WorkersChanged() =>
        Interlocked.Exchange(ref _workersChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async Task ServeStreamAsync(IServerStreamWriter<WorkItem> responseStream, CancellationToken cancellationToken)
    {
        var stream = new WorkerStream();
        _streams[stream.Id] = stream;
        WorkersChanged();
        WakeAll();
        try
        {
            await foreach (var item in stream.Items.Reader.ReadAllAsync(cancellationToken))
            {
                await responseStream.WriteAsync(item, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The worker went away.
        }
        finally
        {
            _streams.TryRemove(stream.Id, out _);
            WorkersChanged();
            await AbandonAsync(stream);
        }
    }

    /// <summary>A disconnected worker's unfinished items go back to the pool at once.</summary>
    private async Task AbandonAsync(WorkerStream stream)
    {
        var turns = _turns.Where(p => p.Value.Stream == stream).Select(p => p.Key).ToList();
        var instanceIds = new List<string>();
        foreach (var token in turns)
        {
            if (_turns.TryRemove(token, out var turn))
            {
                instanceIds.Add(turn.Claimed.InstanceId);
            }
        }

        var activityIds = new List<long>();
        foreach (var token in _activities.Where(p => p.Value.Stream == stream).Select(p => p.Key).ToList())
        {
            if (_activities.TryRemove(token, out var activity))
            {
                activityIds.Add(activity.ActivityId);
            }
        }

        try
        {
            await store.ReleaseInstancesAsync(SidecarId, instanceIds, TimeSpan.Zero, CancellationToken.None);
            await store.ReleaseActivitiesAsync(SidecarId, activityIds, CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or ObjectDisposedException)
        {
            logger.LogWarning(ex, "Could not release the work of a disconnected worker; it is dispatched again when the lease expires.");
        }

        WakeAll();
    }

    private WorkerStream? PickStream(string name, bool activity)
    {
        WorkerStream? best = null;
        WorkerStream? fallback = null;
        foreach (var stream in _streams.Values)
        {
            var load = activity ? stream.ActivitiesInFlight : stream.WorkflowsInFlight;
            if (fallback is null || load < (activity ? fallback.ActivitiesInFlight : fallback.WorkflowsInFlight))
            {
                fallback = stream;
            }

            var refused = activity ? stream.RefusedActivities.ContainsKey(name) : stream.RefusedWorkflows.ContainsKey(name);
            if (!refused && (best is null || load < (activity ? best.ActivitiesInFlight : best.WorkflowsInFlight)))
            {
                best = stream;
            }
        }

        // Every worker refused the name: send it anyway, so its "not registered" answer is recorded as daprd would.
        return best ?? fallback;
    }

    private bool AnotherStreamMayServe(WorkerStream refusing, string name, bool activity) =>
        _streams.Values.Any(s => s != refusing && !(activity ? s.RefusedActivities.ContainsKey(name) : s.RefusedWorkflows.ContainsKey(name)));

    private int FreeCapacity(bool activity) =>
        _streams.Values.Sum(s => Math.Max(0, _options.MaxInFlightPerWorker - (activity ? s.ActivitiesInFlight : s.WorkflowsInFlight)));

    // ---- dispatch -------------------------------------------------------------------------------------------

    private async Task DispatchLoopAsync(CancellationToken stoppingToken)
    {
        // A dead peer's leases expire without anyone telling us: look again at least this often.
        var sweep = TimeSpan.FromTicks(_options.LeaseDuration.Ticks / 2);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = sweep;
            var due = new DateTime(Interlocked.Read(ref _nextDueTicks), DateTimeKind.Utc);
            if (due != DateTime.MaxValue)
            {
                var untilDue = due - DateTime.UtcNow;
                wait = untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue < wait ? untilDue + TimeSpan.FromMilliseconds(5) : wait;
            }

            try
            {
                if (!await _wake.WaitAsync(wait, stoppingToken))
                {
                    // Nothing woke us: look for work of dead peers and for due timers.
                    _claimInstances = true;
                    _claimActivities = true;
                }

                if (DateTime.UtcNow.Ticks >= Interlocked.Read(ref _nextDueTicks))
                {
                    _claimInstances = true;
                    Interlocked.Exchange(ref _nextDueTicks, DateTime.MaxValue.Ticks);
                    if (await store.NextVisibleAtAsync(stoppingToken) is { } next)
                    {
                        DueAt(next);
                    }
                }

                while (!stoppingToken.IsCancellationRequested && await DispatchOnceAsync(stoppingToken))
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Workflow sidecar dispatch failed; retrying.");
                await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken);
                WakeAll();
            }
        }
    }

    private async Task<bool> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var progressed = false;
        // Without a worker only control events (terminate, suspend, resume) can be applied: the sidecar does those itself.
        var controlOnly = _streams.IsEmpty;
        var workflowCapacity = controlOnly ? 64 : Math.Min(FreeCapacity(activity: false), 64);
        if (workflowCapacity > 0 && _claimInstances)
        {
            _claimInstances = false;
            var claimed = await store.ClaimInstancesAsync(SidecarId, _options.LeaseDuration, workflowCapacity, controlOnly, cancellationToken);
            foreach (var instance in claimed)
            {
                await StartTurnAsync(instance, cancellationToken);
            }

            if (claimed.Count == workflowCapacity)
            {
                _claimInstances = true;
            }

            progressed |= claimed.Count > 0;
        }

        var activityCapacity = Math.Min(FreeCapacity(activity: true), 64);
        if (activityCapacity > 0 && _claimActivities)
        {
            _claimActivities = false;
            var claimed = await store.ClaimActivitiesAsync(SidecarId, _options.LeaseDuration, activityCapacity, cancellationToken);
            foreach (var activity in claimed)
            {
                await SendActivityAsync(activity.Id, activity.Request, cancellationToken);
            }

            if (claimed.Count == activityCapacity)
            {
                _claimActivities = true;
            }

            progressed |= claimed.Count > 0;
        }

        return progressed && (_claimInstances || _claimActivities);
    }

    private async Task StartTurnAsync(ClaimedInstance claimed, CancellationToken cancellationToken)
    {
        try
        {
            await StartTurnCoreAsync(claimed, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever went wrong, the instance must not stay leased to us: give it back, try again a little later.
            logger.LogError(ex, "Workflow sidecar could not run a turn of {InstanceId}; it is retried.", claimed.InstanceId);
            ForgetHistory(claimed.InstanceId);
            await store.ReleaseInstancesAsync(SidecarId, [claimed.InstanceId], TimeSpan.FromSeconds(1), CancellationToken.None);
            DueAt(DateTime.UtcNow.AddSeconds(1));
        }
    }

    private async Task StartTurnCoreAsync(ClaimedInstance claimed, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        if (claimed.Inbox.Any(r => r.Kind is SidecarSchema.KindControl))
        {
            await ApplyControlAsync(claimed, now, cancellationToken);
            return;
        }

        var deliverable = claimed.Inbox.Where(r => r.Kind is SidecarSchema.KindEvent or SidecarSchema.KindStart).ToList();
        if (claimed.Status == OrchestrationStatus.Suspended || deliverable.Count == 0
            || (claimed.Status == OrchestrationStatus.Pending && !deliverable.Any(r => r.Kind == SidecarSchema.KindStart)))
        {
            // Only stale rows (or nothing deliverable yet): consume the stale ones and give the lease back.
            var idle = new TurnCommit { InstanceId = claimed.InstanceId, ExecutionId = claimed.ExecutionId, HistoryBase = claimed.HistoryLength, Status = claimed.Status };
            idle.ConsumedInbox.AddRange(claimed.Inbox.Where(r => r.Kind == SidecarSchema.KindStale).Select(r => r.Id));
            idle.SetCustomStatus = false;
            idle.MarkStarted = false;
            await CommitAsync(idle, null, cancellationToken);
            return;
        }

        List<HistoryEvent> past;
        if (_historyCache.TryGetValue(claimed.InstanceId, out var cached) && cached.ExecutionId == claimed.ExecutionId && cached.Events.Count == claimed.HistoryLength)
        {
            past = cached.Events;
        }
        else
        {
            past = await store.LoadHistoryAsync(claimed.InstanceId, cancellationToken);
        }

        var started = TurnApplier.NewEvent(now);
        started.WorkflowStarted = new WorkflowStartedEvent();
        var newEvents = new List<HistoryEvent>(deliverable.Count + 1) { started };
        newEvents.AddRange(deliverable.Where(r => r.Kind == SidecarSchema.KindStart).Select(r => r.Event));
        newEvents.AddRange(deliverable.Where(r => r.Kind == SidecarSchema.KindEvent).Select(r => r.Event));
        var consumed = claimed with { Inbox = claimed.Inbox };

        var stream = PickStream(claimed.Name, activity: false);
        if (stream is null)
        {
            await store.ReleaseInstancesAsync(SidecarId, [claimed.InstanceId], TimeSpan.Zero, cancellationToken);
            return;
        }

        var token = Guid.NewGuid().ToString("N");
        var request = new WorkflowRequest { InstanceId = claimed.InstanceId, ExecutionId = claimed.ExecutionId };
        request.PastEvents.AddRange(past);
        request.NewEvents.AddRange(newEvents);
        _turns[token] = new PendingTurn(stream, consumed, past, newEvents, Stopwatch.GetTimestamp());
        Interlocked.Increment(ref stream.WorkflowsInFlight);
        SidecarMetrics.WorkItemsDispatched.Add(1, new KeyValuePair<string, object?>("kind", "workflow"));
        if (!stream.Items.Writer.TryWrite(new WorkItem { WorkflowRequest = request, CompletionToken = token }))
        {
            _turns.TryRemove(token, out _);
            Interlocked.Decrement(ref stream.WorkflowsInFlight);
            await store.ReleaseInstancesAsync(SidecarId, [claimed.InstanceId], TimeSpan.Zero, cancellationToken);
        }
    }

    private async Task ApplyControlAsync(ClaimedInstance claimed, DateTime now, CancellationToken cancellationToken)
    {
        var terminating = claimed.Inbox.FirstOrDefault(r => r.Kind == SidecarSchema.KindControl && r.Event.ExecutionTerminated is not null);
        var children = terminating?.Event.ExecutionTerminated.Recurse == true
            ? await store.ActiveChildrenAsync(claimed.InstanceId, cancellationToken)
            : [];
        ExecutionStartedEvent? start = null;
        if (terminating is not null)
        {
            start = claimed.Inbox.FirstOrDefault(r => r.Event.ExecutionStarted is not null)?.Event.ExecutionStarted;
            if (start is null)
            {
                var history = _historyCache.TryGetValue(claimed.InstanceId, out var cached) && cached.Events.Count == claimed.HistoryLength
                    ? cached.Events
                    : await store.LoadHistoryAsync(claimed.InstanceId, cancellationToken);
                start = history.LastOrDefault(e => e.ExecutionStarted is not null)?.ExecutionStarted;
            }
        }

        var turn = TurnApplier.ApplyControl(claimed, start, children, now);
        await CommitAsync(turn, null, cancellationToken);
    }

    /// <summary>Writes a turn, then updates the cache and hands created activities straight to workers.</summary>
    private async Task<bool> CommitAsync(TurnCommit turn, List<HistoryEvent>? fullHistory, CancellationToken cancellationToken)
    {
        var committed = await store.CommitTurnAsync(SidecarId, turn, cancellationToken);
        if (committed is null)
        {
            logger.LogInformation("Dropped a turn of workflow {InstanceId}: its lease was lost.", turn.InstanceId);
            ForgetHistory(turn.InstanceId);
            return false;
        }

        if (turn.Finished || turn.NewExecutionId is not null)
        {
            ForgetHistory(turn.InstanceId);
        }
        else if (fullHistory is not null)
        {
            _historyCache[turn.InstanceId] = (turn.ExecutionId, fullHistory);
        }
        else if (turn.AppendHistory.Count > 0)
        {
            if (_historyCache.TryGetValue(turn.InstanceId, out var cached) && cached.Events.Count == turn.HistoryBase)
            {
                _historyCache[turn.InstanceId] = (cached.ExecutionId, [.. cached.Events, .. turn.AppendHistory]);
            }
            else
            {
                ForgetHistory(turn.InstanceId);
            }
        }

        if (_historyCache.Count > 10_000)
        {
            _historyCache.Clear();
        }

        if (turn.StatusChanged)
        {
            SignalInstance(turn.InstanceId);
        }

        for (var i = 0; i < committed.ActivityIds.Length && i < turn.Activities.Count; i++)
        {
            await SendActivityAsync(committed.ActivityIds[i], turn.Activities[i].Request, cancellationToken);
        }

        var now = DateTime.UtcNow;
        foreach (var message in turn.Messages)
        {
            if (message.VisibleAt > now)
            {
                DueAt(message.VisibleAt);
            }
        }

        // Only messages to other instances, or rows that arrived during the turn, make new workflow work now.
        if (committed.MoreInbox || turn.Messages.Any(m => m.TargetInstanceId != turn.InstanceId && m.VisibleAt <= now))
        {
            Wake();
        }

        return true;
    }

    private async Task SendActivityAsync(long activityId, ActivityRequest request, CancellationToken cancellationToken)
    {
        var stream = PickStream(request.Name, activity: true);
        if (stream is null)
        {
            await store.ReleaseActivitiesAsync(SidecarId, [activityId], cancellationToken);
            _claimActivities = true;
            return;
        }

        var token = Guid.NewGuid().ToString("N");
        _activities[token] = new PendingActivity(stream, activityId, request, Stopwatch.GetTimestamp());
        Interlocked.Increment(ref stream.ActivitiesInFlight);
        SidecarMetrics.WorkItemsDispatched.Add(1, new KeyValuePair<string, object?>("kind", "activity"));
        if (!stream.Items.Writer.TryWrite(new WorkItem { ActivityRequest = request, CompletionToken = token }))
        {
            _activities.TryRemove(token, out _);
            Interlocked.Decrement(ref stream.ActivitiesInFlight);
            await store.ReleaseActivitiesAsync(SidecarId, [activityId], cancellationToken);
        }
    }

    // ---- completions ----------------------------------------------------------------------------------------

    public async Task CompleteTurnAsync(WorkflowResponse response, CancellationToken cancellationToken)
    {
        if (!_turns.TryRemove(response.CompletionToken, out var pending))
        {
            // Stale: the turn was abandoned (worker reconnected, sidecar restarted) and will be dispatched again.
            logger.LogDebug("Dropped a completion for workflow {InstanceId} with an unknown token.", response.InstanceId);
            return;
        }

        Interlocked.Decrement(ref pending.Stream.WorkflowsInFlight);
        SidecarMetrics.WorkerDuration.Record(Stopwatch.GetElapsedTime(pending.SentAt).TotalMilliseconds, new KeyValuePair<string, object?>("kind", "workflow"));
        var claimed = pending.Claimed;
        try
        {
            if (response.InstanceId != claimed.InstanceId)
            {
                throw new MalformedCompletionException($"instanceId '{response.InstanceId}' does not match the work item's '{claimed.InstanceId}'");
            }

            TurnApplier.Validate(response);
        }
        catch (MalformedCompletionException ex)
        {
            // Nothing is written; the turn is given back and offered again a little later.
            await store.ReleaseInstancesAsync(SidecarId, [claimed.InstanceId], TimeSpan.FromSeconds(1), cancellationToken);
            DueAt(DateTime.UtcNow.AddSeconds(1));
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Malformed workflow completion: {ex.Message}."));
        }

        var refusal = response.Actions.FirstOrDefault(a => a.CompleteWorkflow?.FailureDetails?.ErrorType == WorkflowNotFound);
        if (refusal is not null && AnotherStreamMayServe(pending.Stream, claimed.Name, activity: false))
        {
            pending.Stream.RefusedWorkflows[claimed.Name] = true;
            await store.ReleaseInstancesAsync(SidecarId, [claimed.InstanceId], TimeSpan.Zero, cancellationToken);
            Wake();
            return;
        }

        try
        {
            var turn = TurnApplier.Apply(claimed, pending.PastEvents, pending.NewEvents, response, DateTime.UtcNow);
            List<HistoryEvent>? full = null;
            if (!turn.Finished && turn.NewExecutionId is null)
            {
                full = new List<HistoryEvent>(pending.PastEvents.Count + turn.AppendHistory.Count);
                full.AddRange(pending.PastEvents);
                full.AddRange(turn.AppendHistory);
            }

            await CommitAsync(turn, full, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing of the turn was written (one transaction); the instance is offered again a little later.
            logger.LogError(ex, "Workflow sidecar could not commit a turn of {InstanceId}; it is retried.", claimed.InstanceId);
            ForgetHistory(claimed.InstanceId);
            await store.ReleaseInstancesAsync(SidecarId, [claimed.InstanceId], TimeSpan.FromSeconds(1), CancellationToken.None);
            DueAt(DateTime.UtcNow.AddSeconds(1));
            throw new RpcException(new Status(StatusCode.Unavailable, $"The workflow turn could not be stored: {ex.Message}"));
        }
    }

    public async Task CompleteActivityAsync(ActivityResponse response, CancellationToken cancellationToken)
    {
        if (!_activities.TryRemove(response.CompletionToken, out var pending))
        {
            logger.LogDebug("Dropped an activity result for workflow {InstanceId} with an unknown token.", response.InstanceId);
            return;
        }

        Interlocked.Decrement(ref pending.Stream.ActivitiesInFlight);
        SidecarMetrics.WorkerDuration.Record(Stopwatch.GetElapsedTime(pending.SentAt).TotalMilliseconds, new KeyValuePair<string, object?>("kind", "activity"));
        var request = pending.Request;
        if (response.TaskId != request.TaskId || response.InstanceId != request.WorkflowInstance.InstanceId)
        {
            await store.ReleaseActivitiesAsync(SidecarId, [pending.ActivityId], cancellationToken);
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"Malformed activity completion: taskId {response.TaskId} of '{response.InstanceId}' does not match the work item (taskId {request.TaskId} of '{request.WorkflowInstance.InstanceId}')."));
        }

        if (response.FailureDetails?.ErrorType == ActivityNotFound && AnotherStreamMayServe(pending.Stream, request.Name, activity: true))
        {
            pending.Stream.RefusedActivities[request.Name] = true;
            await SendActivityAsync(pending.ActivityId, request, cancellationToken);
            return;
        }

        var result = TurnApplier.NewEvent(DateTime.UtcNow);
        if (response.FailureDetails is not null)
        {
            result.TaskFailed = new TaskFailedEvent { TaskScheduledId = request.TaskId, FailureDetails = response.FailureDetails, TaskExecutionId = request.TaskExecutionId };
        }
        else
        {
            result.TaskCompleted = new TaskCompletedEvent { TaskScheduledId = request.TaskId, Result = response.Result, TaskExecutionId = request.TaskExecutionId };
        }

        ClaimedInstance? claimed;
        try
        {
            (_, claimed) = await store.CompleteActivityAsync(SidecarId, _options.LeaseDuration, pending.ActivityId, result, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The activity stays scheduled (at least once): give it back so it runs again.
            logger.LogError(ex, "Workflow sidecar could not store the result of activity {ActivityId}; it runs again.", pending.ActivityId);
            await store.ReleaseActivitiesAsync(SidecarId, [pending.ActivityId], CancellationToken.None);
            _claimActivities = true;
            throw new RpcException(new Status(StatusCode.Unavailable, $"The activity result could not be stored: {ex.Message}"));
        }

        if (claimed is not null)
        {
            // The instance was free: its next turn starts here and now.
            await StartTurnAsync(claimed, cancellationToken);
        }
    }

    // ---- background loops -----------------------------------------------------------------------------------

    private async Task ListenLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await store.DataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == SidecarStore.WorkChannel)
                    {
                        // Our own notifications are for the others; we already know.
                        if (e.Payload != SidecarId)
                        {
                            WakeAll();
                        }
                    }
                    else
                    {
                        SignalInstance(e.Payload);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {SidecarStore.WorkChannel}; LISTEN {SidecarStore.InstanceChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Anything missed while not listening is picked up now.
                WakeAll();
                foreach (var waiter in _instanceWaiters.Keys.ToList())
                {
                    SignalInstance(waiter);
                }

                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or ObjectDisposedException)
            {
                logger.LogWarning(ex, "Workflow sidecar lost its LISTEN connection; reconnecting.");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(_options.LeaseDuration.Ticks / 4, TimeSpan.TicksPerMillisecond * 100)));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await store.HeartbeatAsync(SidecarId, _options.LeaseDuration, stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning(ex, "Workflow sidecar heartbeat failed.");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
