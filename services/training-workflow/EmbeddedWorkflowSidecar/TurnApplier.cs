using System.Text.RegularExpressions;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Platform.EmbeddedWorkflowSidecar;

/// <summary>A worker's completion that cannot be applied; the turn is given back and nothing is stored.</summary>
internal sealed class MalformedCompletionException(string message) : Exception(message);

/// <summary>
/// Turns a worker's answer to a workflow turn into the history events and messages daprd's engine would write
/// (the semantics of durabletask-go's runtime-state applier): every action becomes history, plus activities,
/// timers, child starts and messages to other instances.
/// </summary>
internal static partial class TurnApplier
{
    public const int MaxInstanceIdLength = 256;
    public const int MaxNameLength = 256;

    [GeneratedRegex("^[A-Za-z0-9_.:@+-]+$")]
    private static partial Regex InstanceIdPattern();

    /// <summary>Null when valid, else why not.</summary>
    public static string? InstanceIdProblem(string? instanceId)
    {
        if (string.IsNullOrEmpty(instanceId))
        {
            return "is empty";
        }

        if (instanceId.Length > MaxInstanceIdLength)
        {
            return $"is longer than {MaxInstanceIdLength} characters";
        }

        return InstanceIdPattern().IsMatch(instanceId) ? null : "may contain only letters, digits and _ . : @ + -";
    }

    public static HistoryEvent NewEvent(DateTime timestamp, int eventId = -1) =>
        new() { EventId = eventId, Timestamp = Timestamp.FromDateTime(timestamp) };

    /// <summary>Checks a completion before anything is written.</summary>
    public static void Validate(WorkflowResponse response)
    {
        var ids = new HashSet<int>();
        foreach (var action in response.Actions)
        {
            if (action.WorkflowActionTypeCase != WorkflowAction.WorkflowActionTypeOneofCase.CompleteWorkflow && !ids.Add(action.Id))
            {
                throw new MalformedCompletionException($"action id {action.Id} is used twice");
            }

            switch (action.WorkflowActionTypeCase)
            {
                case WorkflowAction.WorkflowActionTypeOneofCase.ScheduleTask:
                    RequireName(action.ScheduleTask.Name, "scheduleTask.name");
                    break;
                case WorkflowAction.WorkflowActionTypeOneofCase.CreateTimer:
                    if (action.CreateTimer.FireAt is null)
                    {
                        throw new MalformedCompletionException($"createTimer action {action.Id} has no fireAt");
                    }

                    break;
                case WorkflowAction.WorkflowActionTypeOneofCase.CreateChildWorkflow:
                    RequireName(action.CreateChildWorkflow.Name, "createChildWorkflow.name");
                    if (action.CreateChildWorkflow.InstanceId.Length > 0)
                    {
                        RequireInstanceId(action.CreateChildWorkflow.InstanceId, "createChildWorkflow.instanceId");
                    }

                    break;
                case WorkflowAction.WorkflowActionTypeOneofCase.CreateDetachedWorkflow:
                    RequireName(action.CreateDetachedWorkflow.Name, "createDetachedWorkflow.name");
                    RequireInstanceId(action.CreateDetachedWorkflow.InstanceId, "createDetachedWorkflow.instanceId");
                    break;
                case WorkflowAction.WorkflowActionTypeOneofCase.SendEvent:
                    RequireInstanceId(action.SendEvent.Instance?.InstanceId, "sendEvent.instance.instanceId");
                    RequireName(action.SendEvent.Name, "sendEvent.name");
                    break;
                case WorkflowAction.WorkflowActionTypeOneofCase.TerminateWorkflow:
                    RequireInstanceId(action.TerminateWorkflow.InstanceId, "terminateWorkflow.instanceId");
                    break;
                case WorkflowAction.WorkflowActionTypeOneofCase.CompleteWorkflow:
                    if (action.CompleteWorkflow.WorkflowStatus is not (OrchestrationStatus.Completed or OrchestrationStatus.Failed
                        or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled or OrchestrationStatus.ContinuedAsNew
                        or OrchestrationStatus.Stalled))
                    {
                        throw new MalformedCompletionException($"completeWorkflow has status {action.CompleteWorkflow.WorkflowStatus}, not a final one");
                    }

                    break;
                case WorkflowAction.WorkflowActionTypeOneofCase.WorkflowVersionNotAvailable:
                    break;
                default:
                    throw new MalformedCompletionException($"action {action.Id} has no known type");
            }
        }
    }

    /// <summary>Builds the commit of a worker turn. <paramref name="newEvents"/> are the events the worker was sent.</summary>
    public static TurnCommit Apply(ClaimedInstance claimed, IReadOnlyList<HistoryEvent> pastEvents, IReadOnlyList<HistoryEvent> newEvents,
        WorkflowResponse response, DateTime now)
    {
        var start = newEvents.Concat(pastEvents).LastOrDefault(e => e.ExecutionStarted is not null)?.ExecutionStarted;
        var turn = new TurnCommit
        {
            InstanceId = claimed.InstanceId,
            ExecutionId = claimed.ExecutionId,
            HistoryBase = pastEvents.Count,
            Status = claimed.Status == OrchestrationStatus.Pending ? OrchestrationStatus.Running : claimed.Status,
            MarkStarted = !claimed.Started,
            StatusChanged = !claimed.Started,
            SetCustomStatus = true,
            CustomStatus = response.CustomStatus,
        };
        turn.AppendHistory.AddRange(newEvents);
        turn.ConsumedInbox.AddRange(claimed.Inbox.Select(row => row.Id));

        foreach (var action in response.Actions)
        {
            switch (action.WorkflowActionTypeCase)
            {
                case WorkflowAction.WorkflowActionTypeOneofCase.ScheduleTask:
                    {
                        var task = action.ScheduleTask;
                        var scheduled = NewEvent(now, action.Id);
                        scheduled.TaskScheduled = new TaskScheduledEvent
                        {
                            Name = task.Name,
                            Version = task.Version,
                            Input = task.Input,
                            TaskExecutionId = task.TaskExecutionId,
                            HistoryPropagationScope = task.HistoryPropagationScope,
                        };
                        scheduled.Router = action.Router;
                        turn.AppendHistory.Add(scheduled);
                        turn.Activities.Add(new NewActivity(action.Id, task.Name, new ActivityRequest
                        {
                            Name = task.Name,
                            Version = task.Version,
                            Input = task.Input,
                            TaskId = action.Id,
                            TaskExecutionId = task.TaskExecutionId,
                            WorkflowInstance = new WorkflowInstance { InstanceId = claimed.InstanceId, ExecutionId = claimed.ExecutionId },
                            ParentTraceContext = start?.ParentTraceContext,
                        }));
                        break;
                    }

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateTimer:
                    {
                        var timer = action.CreateTimer;
                        var created = NewEvent(now, action.Id);
                        created.TimerCreated = new TimerCreatedEvent { FireAt = timer.FireAt, Name = timer.Name };
                        switch (timer.OriginCase)
                        {
                            case CreateTimerAction.OriginOneofCase.CreateTimer: created.TimerCreated.CreateTimer = timer.CreateTimer; break;
                            case CreateTimerAction.OriginOneofCase.ExternalEvent: created.TimerCreated.ExternalEvent = timer.ExternalEvent; break;
                            case CreateTimerAction.OriginOneofCase.ActivityRetry: created.TimerCreated.ActivityRetry = timer.ActivityRetry; break;
                            case CreateTimerAction.OriginOneofCase.ChildWorkflowRetry: created.TimerCreated.ChildWorkflowRetry = timer.ChildWorkflowRetry; break;
                        }

                        turn.AppendHistory.Add(created);
                        var fireAt = ClampToDatabase(timer.FireAt.ToDateTime());
                        var fired = NewEvent(fireAt);
                        fired.TimerFired = new TimerFiredEvent { TimerId = action.Id, FireAt = timer.FireAt };
                        turn.Messages.Add(new OutgoingMessage(claimed.InstanceId, claimed.ExecutionId, SidecarSchema.KindEvent, fireAt, fired, DeliveryCondition.Always));
                        break;
                    }

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateChildWorkflow:
                    {
                        var child = action.CreateChildWorkflow;
                        var childId = child.InstanceId.Length > 0 ? child.InstanceId : $"{claimed.InstanceId}:{action.Id:D4}";
                        var created = NewEvent(now, action.Id);
                        created.ChildWorkflowInstanceCreated = new ChildWorkflowInstanceCreatedEvent
                        {
                            InstanceId = childId,
                            Name = child.Name,
                            Version = child.Version,
                            Input = child.Input,
                            HistoryPropagationScope = child.HistoryPropagationScope,
                            ParentTraceContext = start?.ParentTraceContext,
                        };
                        created.Router = action.Router;
                        turn.AppendHistory.Add(created);
                        var childExecution = Guid.NewGuid().ToString("N");
                        turn.Children.Add(new NewInstance(childId, childExecution, child.Name, child.Version, child.Input, claimed.InstanceId));
                        var childStart = NewEvent(now);
                        childStart.ExecutionStarted = new ExecutionStartedEvent
                        {
                            Name = child.Name,
                            Version = child.Version,
                            Input = child.Input,
                            WorkflowInstance = new WorkflowInstance { InstanceId = childId, ExecutionId = childExecution },
                            ParentInstance = new ParentInstanceInfo
                            {
                                TaskScheduledId = action.Id,
                                Name = start?.Name ?? claimed.Name,
                                WorkflowInstance = new WorkflowInstance { InstanceId = claimed.InstanceId, ExecutionId = claimed.ExecutionId },
                            },
                            ParentTraceContext = start?.ParentTraceContext,
                        };
                        turn.Messages.Add(new OutgoingMessage(childId, childExecution, SidecarSchema.KindStart, now, childStart, DeliveryCondition.ExecutionMatches));

                        // An id already in use creates nothing (the insert does nothing, the start is not delivered): the child
                        // task fails in the parent instead of waiting for a result that never comes.
                        var taken = NewEvent(now);
                        taken.ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent
                        {
                            TaskScheduledId = action.Id,
                            FailureDetails = new TaskFailureDetails
                            {
                                ErrorType = "InstanceAlreadyExists",
                                ErrorMessage = $"A workflow instance with id '{childId}' already exists.",
                                IsNonRetriable = true,
                            },
                        };
                        turn.Messages.Add(new OutgoingMessage(
                            claimed.InstanceId, claimed.ExecutionId, SidecarSchema.KindEvent, now, taken, DeliveryCondition.ChildIdTaken, childId, childExecution));
                        break;
                    }

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateDetachedWorkflow:
                    {
                        var detached = action.CreateDetachedWorkflow;
                        var created = NewEvent(now, action.Id);
                        created.DetachedWorkflowInstanceCreated = new DetachedWorkflowInstanceCreatedEvent { InstanceId = detached.InstanceId };
                        turn.AppendHistory.Add(created);
                        var execution = string.IsNullOrEmpty(detached.ExecutionId) ? Guid.NewGuid().ToString("N") : detached.ExecutionId;
                        turn.Children.Add(new NewInstance(detached.InstanceId, execution, detached.Name, detached.Version, detached.Input, null));
                        var visibleAt = detached.ScheduledStartTimestamp is { } at ? ClampToDatabase(at.ToDateTime()) : now;
                        var detachedStart = NewEvent(now);
                        detachedStart.ExecutionStarted = new ExecutionStartedEvent
                        {
                            Name = detached.Name,
                            Version = detached.Version,
                            Input = detached.Input,
                            ScheduledStartTimestamp = detached.ScheduledStartTimestamp,
                            WorkflowInstance = new WorkflowInstance { InstanceId = detached.InstanceId, ExecutionId = execution },
                            ParentTraceContext = detached.ParentTraceContext ?? start?.ParentTraceContext,
                        };
                        detachedStart.ExecutionStarted.Tags.Add(detached.Tags);
                        turn.Messages.Add(new OutgoingMessage(detached.InstanceId, execution, SidecarSchema.KindStart, visibleAt, detachedStart, DeliveryCondition.ExecutionMatches));
                        break;
                    }

                case WorkflowAction.WorkflowActionTypeOneofCase.SendEvent:
                    {
                        var send = action.SendEvent;
                        var sent = NewEvent(now, action.Id);
                        sent.EventSent = new EventSentEvent { InstanceId = send.Instance.InstanceId, Name = send.Name, Input = send.Data };
                        turn.AppendHistory.Add(sent);
                        var raised = NewEvent(now);
                        raised.EventRaised = new EventRaisedEvent { Name = send.Name, Input = send.Data };
                        turn.Messages.Add(new OutgoingMessage(send.Instance.InstanceId, null, SidecarSchema.KindEvent, now, raised, DeliveryCondition.TargetActive));
                        break;
                    }

                case WorkflowAction.WorkflowActionTypeOneofCase.TerminateWorkflow:
                    {
                        var terminate = action.TerminateWorkflow;
                        var terminated = NewEvent(now);
                        terminated.ExecutionTerminated = new ExecutionTerminatedEvent { Input = terminate.Reason, Recurse = terminate.Recurse };
                        turn.Messages.Add(new OutgoingMessage(terminate.InstanceId, null, SidecarSchema.KindControl, now, terminated, DeliveryCondition.TargetActive));
                        break;
                    }

                case WorkflowAction.WorkflowActionTypeOneofCase.WorkflowVersionNotAvailable:
                    turn.Status = OrchestrationStatus.Stalled;
                    turn.StatusChanged = true;
                    break;

                case WorkflowAction.WorkflowActionTypeOneofCase.CompleteWorkflow:
                    {
                        var complete = action.CompleteWorkflow;
                        if (complete.WorkflowStatus == OrchestrationStatus.ContinuedAsNew)
                        {
                            return ContinueAsNew(claimed, start, turn.CustomStatus, complete, now);
                        }

                        if (complete.WorkflowStatus == OrchestrationStatus.Stalled)
                        {
                            turn.Status = OrchestrationStatus.Stalled;
                            turn.StatusChanged = true;
                            break;
                        }

                        var completed = NewEvent(now, action.Id);
                        completed.ExecutionCompleted = new ExecutionCompletedEvent
                        {
                            WorkflowStatus = complete.WorkflowStatus,
                            Result = complete.Result,
                            FailureDetails = complete.FailureDetails,
                        };
                        turn.AppendHistory.Add(completed);
                        Finish(turn, start, complete.WorkflowStatus, complete.Result, complete.FailureDetails, now);
                        return turn;
                    }
            }
        }

        return turn;
    }

    /// <summary>
    /// Applies control events (terminate, suspend, resume) the sidecar handles itself, without a worker turn. Event
    /// rows stay queued unless the instance ends.
    /// </summary>
    public static TurnCommit ApplyControl(ClaimedInstance claimed, ExecutionStartedEvent? start, IReadOnlyList<string> activeChildren, DateTime now)
    {
        var turn = new TurnCommit
        {
            InstanceId = claimed.InstanceId,
            ExecutionId = claimed.ExecutionId,
            HistoryBase = claimed.HistoryLength,
            Status = claimed.Status,
        };
        foreach (var row in claimed.Inbox.Where(r => r.Kind is SidecarSchema.KindControl or SidecarSchema.KindStale))
        {
            turn.ConsumedInbox.Add(row.Id);
            if (row.Kind == SidecarSchema.KindStale)
            {
                continue;
            }

            var control = row.Event;
            if (control.ExecutionTerminated is { } terminated)
            {
                turn.AppendHistory.Add(control);
                var completed = NewEvent(now);
                completed.ExecutionCompleted = new ExecutionCompletedEvent { WorkflowStatus = OrchestrationStatus.Terminated, Result = terminated.Input };
                turn.AppendHistory.Add(completed);
                Finish(turn, start, OrchestrationStatus.Terminated, terminated.Input, null, now);
                if (terminated.Recurse)
                {
                    foreach (var child in activeChildren)
                    {
                        var childTerminate = NewEvent(now);
                        childTerminate.ExecutionTerminated = new ExecutionTerminatedEvent { Input = terminated.Input, Recurse = true };
                        turn.Messages.Add(new OutgoingMessage(child, null, SidecarSchema.KindControl, now, childTerminate, DeliveryCondition.TargetActive));
                    }
                }

                return turn;
            }

            if (control.ExecutionSuspended is not null && turn.Status is OrchestrationStatus.Running or OrchestrationStatus.Pending)
            {
                turn.AppendHistory.Add(control);
                turn.Status = OrchestrationStatus.Suspended;
                turn.StatusChanged = true;
            }
            else if (control.ExecutionResumed is not null && turn.Status == OrchestrationStatus.Suspended)
            {
                turn.AppendHistory.Add(control);
                turn.Status = claimed.Started ? OrchestrationStatus.Running : OrchestrationStatus.Pending;
                turn.StatusChanged = true;
            }
        }

        return turn;
    }

    private static TurnCommit ContinueAsNew(ClaimedInstance claimed, ExecutionStartedEvent? start, string? customStatus, CompleteWorkflowAction complete, DateTime now)
    {
        var execution = Guid.NewGuid().ToString("N");
        var turn = new TurnCommit
        {
            InstanceId = claimed.InstanceId,
            ExecutionId = claimed.ExecutionId,
            HistoryBase = 0,
            Status = OrchestrationStatus.Running,
            MarkStarted = true,
            SetCustomStatus = true,
            CustomStatus = customStatus,
            NewExecutionId = execution,
            NewInput = complete.Result,
        };
        turn.ConsumedInbox.AddRange(claimed.Inbox.Select(row => row.Id));
        var started = NewEvent(now);
        started.ExecutionStarted = new ExecutionStartedEvent
        {
            Name = start?.Name ?? claimed.Name,
            Version = start?.Version,
            Input = complete.Result,
            ParentInstance = start?.ParentInstance,
            WorkflowInstance = new WorkflowInstance { InstanceId = claimed.InstanceId, ExecutionId = execution },
        };
        if (start is not null)
        {
            started.ExecutionStarted.Tags.Add(start.Tags);
        }

        turn.Messages.Add(new OutgoingMessage(claimed.InstanceId, execution, SidecarSchema.KindStart, now, started, DeliveryCondition.Always));
        foreach (var carried in complete.CarryoverEvents)
        {
            turn.Messages.Add(new OutgoingMessage(claimed.InstanceId, execution, SidecarSchema.KindEvent, now, carried, DeliveryCondition.Always));
        }

        return turn;
    }

    private static void Finish(TurnCommit turn, ExecutionStartedEvent? start, OrchestrationStatus status, string? result, TaskFailureDetails? failure, DateTime now)
    {
        turn.Status = status;
        turn.StatusChanged = true;
        turn.Finished = true;
        turn.Output = result;
        turn.Failure = failure;
        turn.Activities.Clear();
        if (start?.ParentInstance is not { WorkflowInstance: { } parent } parentInfo)
        {
            return;
        }

        var message = NewEvent(now);
        if (status == OrchestrationStatus.Completed)
        {
            message.ChildWorkflowInstanceCompleted = new ChildWorkflowInstanceCompletedEvent { TaskScheduledId = parentInfo.TaskScheduledId, Result = result };
        }
        else
        {
            message.ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent
            {
                TaskScheduledId = parentInfo.TaskScheduledId,
                FailureDetails = failure ?? new TaskFailureDetails { ErrorType = status.ToString(), ErrorMessage = $"The child workflow ended {status}." },
            };
        }

        turn.Messages.Add(new OutgoingMessage(parent.InstanceId, parent.ExecutionId, SidecarSchema.KindEvent, now, message, DeliveryCondition.ExecutionMatches));
    }

    /// <summary>PostgreSQL's timestamptz cannot hold .NET's DateTime.MaxValue ticks exactly; far-future timers stay far.</summary>
    private static DateTime ClampToDatabase(DateTime at)
    {
        var utc = at.Kind == DateTimeKind.Utc ? at : DateTime.SpecifyKind(at, DateTimeKind.Utc);
        var max = new DateTime(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc);
        return utc > max ? max : utc;
    }

    private static void RequireName(string? name, string field)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
        {
            throw new MalformedCompletionException($"{field} must be 1 to {MaxNameLength} characters");
        }
    }

    private static void RequireInstanceId(string? instanceId, string field)
    {
        if (InstanceIdProblem(instanceId) is { } problem)
        {
            throw new MalformedCompletionException($"{field} {problem}");
        }
    }
}
