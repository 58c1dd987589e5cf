using System.Text.Json;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Platform.EmbeddedWorkflowSidecar;

/// <summary>
/// daprd's durable-task gRPC service (<c>TaskHubSidecarService</c>) on the embedded backend. Bad requests get an
/// <see cref="RpcException"/> with the status code daprd would use, and nothing is stored.
/// </summary>
internal sealed class SidecarGrpcService(SidecarStore store, WorkDispatcher dispatcher, IOptions<WorkflowSidecarOptions> options)
{
    private readonly WorkflowSidecarOptions _options = options.Value;

    public Task<Empty> Hello(Empty request, ServerCallContext context) => Task.FromResult(new Empty());

    public async Task<CreateInstanceResponse> StartInstance(CreateInstanceRequest request, ServerCallContext context)
    {
        var instanceId = string.IsNullOrEmpty(request.InstanceId) ? Guid.NewGuid().ToString("N") : request.InstanceId;
        RequireInstanceId(instanceId);
        RequireName(request.Name, "name");
        RequireJson(request.Input, "input");
        var now = DateTime.UtcNow;
        var execution = string.IsNullOrEmpty(request.ExecutionId) ? Guid.NewGuid().ToString("N") : request.ExecutionId;
        var start = TurnApplier.NewEvent(now);
        start.ExecutionStarted = new ExecutionStartedEvent
        {
            Name = request.Name,
            Version = request.Version,
            Input = request.Input,
            ScheduledStartTimestamp = request.ScheduledStartTimestamp,
            WorkflowInstance = new WorkflowInstance { InstanceId = instanceId, ExecutionId = execution },
            ParentTraceContext = request.ParentTraceContext,
        };
        start.ExecutionStarted.Tags.Add(request.Tags);
        var scheduled = request.ScheduledStartTimestamp?.ToDateTime();
        var created = await store.CreateInstanceAsync(
            new NewInstance(instanceId, execution, request.Name, request.Version, request.Input, null), scheduled, request.Tags, start, context.CancellationToken);
        if (!created)
        {
            // Idempotent by instance id: starting the same workflow again returns the existing instance untouched.
            var existing = await store.GetInstanceAsync(instanceId, context.CancellationToken);
            if (existing is not null && existing.Name != request.Name)
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists,
                    $"Workflow instance '{instanceId}' already exists as a '{existing.Name}' workflow, not '{request.Name}'."));
            }
        }
        else if (scheduled is { } at && at > now)
        {
            dispatcher.DueAt(at);
        }
        else
        {
            dispatcher.Wake();
        }

        return new CreateInstanceResponse { InstanceId = instanceId };
    }

    public async Task<GetInstanceResponse> GetInstance(GetInstanceRequest request, ServerCallContext context)
    {
        RequireInstanceId(request.InstanceId);
        var row = await store.GetInstanceAsync(request.InstanceId, context.CancellationToken);
        return ToResponse(row, request.GetInputsAndOutputs);
    }

    public Task<GetInstanceResponse> WaitForInstanceStart(GetInstanceRequest request, ServerCallContext context) =>
        WaitAsync(request, row => row.Status != OrchestrationStatus.Pending, context);

    public Task<GetInstanceResponse> WaitForInstanceCompletion(GetInstanceRequest request, ServerCallContext context) =>
        WaitAsync(request, row => row.IsFinished || row.Status == OrchestrationStatus.Stalled, context);

    public async Task<RaiseEventResponse> RaiseEvent(RaiseEventRequest request, ServerCallContext context)
    {
        RequireInstanceId(request.InstanceId);
        RequireName(request.Name, "name");
        RequireJson(request.Input, "input");
        var raised = TurnApplier.NewEvent(DateTime.UtcNow);
        raised.EventRaised = new EventRaisedEvent { Name = request.Name, Input = request.Input };
        if (!await store.EnqueueAsync(request.InstanceId, SidecarSchema.KindEvent, raised, context.CancellationToken))
        {
            throw await NotActiveAsync(request.InstanceId, "raise an event on", context);
        }

        dispatcher.Wake();
        return new RaiseEventResponse();
    }

    public async Task<TerminateResponse> TerminateInstance(TerminateRequest request, ServerCallContext context)
    {
        RequireInstanceId(request.InstanceId);
        RequireJson(request.Output, "output");
        var terminated = TurnApplier.NewEvent(DateTime.UtcNow);
        terminated.ExecutionTerminated = new ExecutionTerminatedEvent { Input = request.Output, Recurse = request.Recursive };
        if (!await store.EnqueueAsync(request.InstanceId, SidecarSchema.KindControl, terminated, context.CancellationToken))
        {
            // Terminating a finished instance changes nothing (as in daprd); a missing one is an error.
            if (await store.GetInstanceAsync(request.InstanceId, context.CancellationToken) is null)
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"No workflow instance '{request.InstanceId}'."));
            }
        }

        dispatcher.Wake();
        return new TerminateResponse();
    }

    public async Task<SuspendResponse> SuspendInstance(SuspendRequest request, ServerCallContext context)
    {
        var suspended = TurnApplier.NewEvent(DateTime.UtcNow);
        suspended.ExecutionSuspended = new ExecutionSuspendedEvent { Input = request.Reason };
        await EnqueueControlAsync(request.InstanceId, suspended, "suspend", context);
        return new SuspendResponse();
    }

    public async Task<ResumeResponse> ResumeInstance(ResumeRequest request, ServerCallContext context)
    {
        var resumed = TurnApplier.NewEvent(DateTime.UtcNow);
        resumed.ExecutionResumed = new ExecutionResumedEvent { Input = request.Reason };
        await EnqueueControlAsync(request.InstanceId, resumed, "resume", context);
        return new ResumeResponse();
    }

    /// <summary>Suspend and resume: a control event for the instance's next turn, refused once the instance has ended.</summary>
    private async Task EnqueueControlAsync(string instanceId, HistoryEvent control, string verb, ServerCallContext context)
    {
        RequireInstanceId(instanceId);
        if (!await store.EnqueueAsync(instanceId, SidecarSchema.KindControl, control, context.CancellationToken))
        {
            throw await NotActiveAsync(instanceId, verb, context);
        }

        dispatcher.Wake();
    }

    public async Task<PurgeInstancesResponse> PurgeInstances(PurgeInstancesRequest request, ServerCallContext context)
    {
        List<string> roots;
        if (request.RequestCase == PurgeInstancesRequest.RequestOneofCase.InstanceId)
        {
            RequireInstanceId(request.InstanceId);
            var row = await store.GetInstanceAsync(request.InstanceId, context.CancellationToken);
            if (row is null)
            {
                return new PurgeInstancesResponse { DeletedInstanceCount = 0, IsComplete = true };
            }

            if (!row.IsFinished && !request.Force)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition,
                    $"Workflow instance '{request.InstanceId}' is {row.Status}; only finished instances can be purged (or pass force)."));
            }

            roots = [request.InstanceId];
        }
        else if (request.RequestCase == PurgeInstancesRequest.RequestOneofCase.PurgeInstanceFilter)
        {
            var filter = request.PurgeInstanceFilter;
            roots = await store.FindFinishedRootsAsync(filter.CreatedTimeFrom?.ToDateTime(), filter.CreatedTimeTo?.ToDateTime(),
                [.. filter.RuntimeStatus.Select(s => (int)s)], context.CancellationToken);
        }
        else
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Purge needs an instanceId or a purgeInstanceFilter."));
        }

        var deleted = await store.PurgeAsync(roots, request.Recursive, context.CancellationToken);
        foreach (var root in roots)
        {
            dispatcher.ForgetHistory(root);
        }

        SidecarMetrics.InstancesPurged.Add(deleted, new KeyValuePair<string, object?>("reason", "request"));
        return new PurgeInstancesResponse { DeletedInstanceCount = deleted, IsComplete = true };
    }

    public Task GetWorkItems(GetWorkItemsRequest request, IServerStreamWriter<WorkItem> responseStream, ServerCallContext context) =>
        dispatcher.ServeStreamAsync(responseStream, context.CancellationToken);

    public async Task<CompleteTaskResponse> CompleteActivityTask(ActivityResponse request, ServerCallContext context)
    {
        await dispatcher.CompleteActivityAsync(request, context.CancellationToken);
        return new CompleteTaskResponse();
    }

    public async Task<CompleteTaskResponse> CompleteWorkflowTask(WorkflowResponse request, ServerCallContext context)
    {
        await dispatcher.CompleteTurnAsync(request, context.CancellationToken);
        return new CompleteTaskResponse();
    }

    public Task<RerunWorkflowFromEventResponse> RerunWorkflowFromEvent(RerunWorkflowFromEventRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "The embedded workflow sidecar does not rerun workflows from an event."));

    public async Task<ListInstanceIDsResponse> ListInstanceIDs(ListInstanceIDsRequest request, ServerCallContext context)
    {
        var pageSize = request.HasPageSize && request.PageSize > 0 ? (int)Math.Min(request.PageSize, 100_000) : 100_000;
        var (ids, next) = await store.ListInstanceIdsAsync(request.HasContinuationToken ? request.ContinuationToken : null, pageSize, context.CancellationToken);
        var response = new ListInstanceIDsResponse();
        response.InstanceIds.AddRange(ids);
        if (next is not null)
        {
            response.ContinuationToken = next;
        }

        return response;
    }

    public async Task<GetInstanceHistoryResponse> GetInstanceHistory(GetInstanceHistoryRequest request, ServerCallContext context)
    {
        RequireInstanceId(request.InstanceId);
        if (await store.GetInstanceAsync(request.InstanceId, context.CancellationToken) is null)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"No workflow instance '{request.InstanceId}'."));
        }

        var response = new GetInstanceHistoryResponse();
        response.Events.AddRange(await store.GetHistoryAsync(request.InstanceId, context.CancellationToken));
        return response;
    }

    /// <summary>With <c>DAPR_API_TOKEN</c> configured, every call must carry it as <c>dapr-api-token</c>, as with daprd.</summary>
    public void Authorize(ServerCallContext context)
    {
        if (string.IsNullOrEmpty(_options.ApiToken))
        {
            return;
        }

        if (context.RequestHeaders.GetValue("dapr-api-token") != _options.ApiToken)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Missing or wrong dapr-api-token."));
        }
    }

    private async Task<GetInstanceResponse> WaitAsync(GetInstanceRequest request, Func<InstanceRow, bool> reached, ServerCallContext context)
    {
        RequireInstanceId(request.InstanceId);
        while (true)
        {
            // Subscribe before reading, so a change between the read and the wait is not missed.
            var changed = dispatcher.InstanceChanged(request.InstanceId);
            var row = await store.GetInstanceAsync(request.InstanceId, context.CancellationToken);
            if (row is null || reached(row))
            {
                return ToResponse(row, request.GetInputsAndOutputs);
            }

            // Woken by NOTIFY; the periodic re-read only guards against a notification lost while reconnecting.
            try
            {
                await changed.WaitAsync(TimeSpan.FromSeconds(30), context.CancellationToken);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private async Task<RpcException> NotActiveAsync(string instanceId, string verb, ServerCallContext context)
    {
        var row = await store.GetInstanceAsync(instanceId, context.CancellationToken);
        return row is null
            ? new RpcException(new Status(StatusCode.NotFound, $"No workflow instance '{instanceId}'."))
            : new RpcException(new Status(StatusCode.FailedPrecondition, $"Cannot {verb} workflow instance '{instanceId}': it is {row.Status}."));
    }

    private static GetInstanceResponse ToResponse(InstanceRow? row, bool withPayloads)
    {
        if (row is null)
        {
            return new GetInstanceResponse { Exists = false };
        }

        var state = new WorkflowState
        {
            InstanceId = row.InstanceId,
            Name = row.Name,
            Version = row.Version,
            WorkflowStatus = row.Status,
            CreatedTimestamp = Timestamp.FromDateTime(row.CreatedAt),
            LastUpdatedTimestamp = Timestamp.FromDateTime(row.LastUpdatedAt),
            ExecutionId = row.ExecutionId,
            CustomStatus = row.CustomStatus,
            FailureDetails = row.Failure,
            ParentInstanceId = row.ParentInstanceId,
        };
        if (row.ScheduledStartAt is { } scheduled)
        {
            state.ScheduledStartTimestamp = Timestamp.FromDateTime(scheduled);
        }

        if (row.StartedAt is { } startedAt)
        {
            state.StartedAt = Timestamp.FromDateTime(startedAt);
        }

        if (row.CompletedAt is { } completed)
        {
            state.CompletedTimestamp = Timestamp.FromDateTime(completed);
        }

        foreach (var (key, value) in row.Tags)
        {
            state.Tags[key] = value;
        }

        if (withPayloads)
        {
            state.Input = row.Input;
            state.Output = row.Output;
        }

        return new GetInstanceResponse { Exists = true, WorkflowState = state };
    }

    private static void RequireInstanceId(string? instanceId)
    {
        if (TurnApplier.InstanceIdProblem(instanceId) is { } problem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"instanceId {problem}."));
        }
    }

    private static void RequireName(string? name, string field)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > TurnApplier.MaxNameLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} must be 1 to {TurnApplier.MaxNameLength} characters."));
        }
    }

    /// <summary>Every Dapr SDK sends payloads as JSON; anything else would fail in the worker, so it is refused up front.</summary>
    private static void RequireJson(string? payload, string field)
    {
        if (string.IsNullOrEmpty(payload))
        {
            return;
        }

        try
        {
            using var _ = JsonDocument.Parse(payload);
        }
        catch (JsonException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} is not valid JSON: {ex.Message}"));
        }
    }
}
