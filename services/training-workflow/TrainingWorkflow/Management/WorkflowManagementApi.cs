using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.TrainingWorkflow.Engine;

namespace Platform.TrainingWorkflow.Management;

/// <summary>An instance as the API shows it: payloads as JSON, not JSON-in-strings.</summary>
public sealed record WorkflowStateResponse(
    string InstanceId,
    string Name,
    WorkflowRuntimeStatus RuntimeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    JsonElement? Input,
    JsonElement? Output,
    JsonElement? CustomStatus,
    WorkflowTaskFailureDetails? Failure,
    IReadOnlyList<WorkflowStep> Steps)
{
    public static WorkflowStateResponse From(WorkflowState state) => new(
        state.InstanceId,
        state.Name,
        state.RuntimeStatus,
        state.CreatedAt,
        state.LastUpdatedAt,
        Parse(state.SerializedInput),
        Parse(state.SerializedOutput),
        Parse(state.SerializedCustomStatus),
        state.FailureDetails,
        state.Steps);

    private static JsonElement? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize<JsonElement>(json);
}

public sealed record WorkflowStartResponse(string InstanceId, bool Created);

public sealed record WorkflowListResponse(IReadOnlyList<WorkflowStateResponse> Items, int Page, int PageSize, int TotalCount);

/// <summary>
/// The management API (Dapr's workflow HTTP API plus list and a progress stream), protected by an API key
/// (<see cref="ApiKeyEndpointFilter"/>). Errors are RFC 9457 problem details naming the offending field.
/// </summary>
public static class WorkflowManagementApi
{
    public const int MaxPageSize = 500;

    public static RouteGroupBuilder MapWorkflowManagementApi(this IEndpointRouteBuilder endpoints, string prefix = "/workflows")
    {
        var group = endpoints.MapGroup(prefix).RequireApiKey().WithTags("Workflows");
        group.MapPost("/{name}/start", (string name, string? instanceId, JsonElement? input, WorkflowClient client, HttpContext http, CancellationToken ct) =>
            StartAsync(name, instanceId, input, client, $"{http.Request.PathBase}{prefix}", ct)).WithName("StartWorkflow");
        group.MapGet("/", ListAsync).WithName("ListWorkflows");
        group.MapGet("/{instanceId}", GetAsync).WithName("GetWorkflow");
        group.MapPost("/{instanceId}/pause", (string instanceId, WorkflowClient client, CancellationToken ct) =>
            ControlAsync(instanceId, "pause", id => client.SuspendWorkflowAsync(id, null, ct))).WithName("PauseWorkflow");
        group.MapPost("/{instanceId}/resume", (string instanceId, WorkflowClient client, CancellationToken ct) =>
            ControlAsync(instanceId, "resume", id => client.ResumeWorkflowAsync(id, null, ct))).WithName("ResumeWorkflow");
        group.MapPost("/{instanceId}/terminate", (string instanceId, JsonElement? output, WorkflowClient client, CancellationToken ct) =>
            ControlAsync(instanceId, "terminate", id => client.TerminateWorkflowAsync(id, output, ct))).WithName("TerminateWorkflow");
        group.MapPost("/{instanceId}/events/{eventName}", RaiseEventAsync).WithName("RaiseWorkflowEvent");
        group.MapDelete("/{instanceId}", PurgeAsync).WithName("PurgeWorkflow");
        group.MapGet("/{instanceId}/stream", StreamAsync).WithName("StreamWorkflow");
        return group;
    }

    private static async Task<IResult> StartAsync(
        string name, string? instanceId, JsonElement? input, WorkflowClient client, string locationPrefix, CancellationToken ct)
    {
        if (instanceId is not null && WorkflowInstanceId.Validate(instanceId) is { } idError)
        {
            return Invalid("instanceId", idError);
        }

        try
        {
            var (id, created) = await client.StartWorkflowAsync(name, instanceId, input, ct).ConfigureAwait(false);
            var body = new WorkflowStartResponse(id, created);
            return created ? TypedResults.Accepted($"{locationPrefix}/{id}", body) : TypedResults.Ok(body);
        }
        catch (ArgumentException exception) when (exception.ParamName == "name")
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown workflow.", exception.Message, "name");
        }
        catch (ArgumentException exception) when (exception.ParamName == "input")
        {
            return Invalid("input", exception.Message);
        }
        catch (WorkflowPayloadTooLargeException exception)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Input too large.", exception.Message, "input");
        }
        catch (WorkflowInstanceConflictException exception)
        {
            return Problem(StatusCodes.Status409Conflict, "Instance id in use.", exception.Message, "instanceId");
        }
    }

    private static async Task<IResult> GetAsync(string instanceId, WorkflowClient client, CancellationToken ct)
    {
        if (WorkflowInstanceId.Validate(instanceId) is { } idError)
        {
            return Invalid("instanceId", idError);
        }

        var state = await client.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: true, ct).ConfigureAwait(false);
        return state is null ? NotFound(instanceId) : TypedResults.Ok(WorkflowStateResponse.From(state));
    }

    private static async Task<IResult> ListAsync(
        string? name, string? status, int? page, int? pageSize, WorkflowClient client, CancellationToken ct)
    {
        WorkflowRuntimeStatus? statusFilter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<WorkflowRuntimeStatus>(status, ignoreCase: true, out var parsed) || int.TryParse(status, out _))
            {
                return Invalid("status", $"'{status}' is not a status; use one of {string.Join(", ", Enum.GetNames<WorkflowRuntimeStatus>())}.");
            }

            statusFilter = parsed;
        }

        if (page is < 1)
        {
            return Invalid("page", "The page number starts at 1.");
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            return Invalid("pageSize", $"The page size must be between 1 and {MaxPageSize}.");
        }

        var result = await client.ListWorkflowsAsync(string.IsNullOrEmpty(name) ? null : name, statusFilter, page ?? 1, pageSize ?? 50, ct)
            .ConfigureAwait(false);
        return TypedResults.Ok(new WorkflowListResponse(
            [.. result.Items.Select(WorkflowStateResponse.From)], result.Page, result.PageSize, result.TotalCount));
    }

    private static async Task<IResult> RaiseEventAsync(
        string instanceId, string eventName, JsonElement? payload, WorkflowClient client, CancellationToken ct)
    {
        if (WorkflowInstanceId.Validate(eventName) is { } nameError)
        {
            return Invalid("eventName", nameError.Replace("instance id", "event name", StringComparison.Ordinal));
        }

        try
        {
            return await ControlAsync(instanceId, $"raise event '{eventName}' for", id => client.RaiseEventAsync(id, eventName, payload, ct))
                .ConfigureAwait(false);
        }
        catch (WorkflowPayloadTooLargeException exception)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Event payload too large.", exception.Message, "payload");
        }
    }

    private static async Task<IResult> PurgeAsync(string instanceId, WorkflowClient client, CancellationToken ct)
    {
        if (WorkflowInstanceId.Validate(instanceId) is { } idError)
        {
            return Invalid("instanceId", idError);
        }

        return await client.PurgeInstanceAsync(instanceId, ct).ConfigureAwait(false) switch
        {
            WorkflowCommandResult.Applied => TypedResults.NoContent(),
            WorkflowCommandResult.NotFound => NotFound(instanceId),
            _ => Problem(StatusCodes.Status409Conflict, "Instance still running.",
                $"Instance '{instanceId}' has not ended; terminate it before purging.", "instanceId"),
        };
    }

    private static async Task<IResult> StreamAsync(string instanceId, WorkflowClient client, CancellationToken ct)
    {
        if (WorkflowInstanceId.Validate(instanceId) is { } idError)
        {
            return Invalid("instanceId", idError);
        }

        if (await client.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: false, ct).ConfigureAwait(false) is null)
        {
            return NotFound(instanceId);
        }

        return TypedResults.ServerSentEvents(Events(client, instanceId, ct));
    }

    /// <summary>One "status" event per change; the stream ends when the instance ends.</summary>
    private static async IAsyncEnumerable<SseItem<WorkflowStateResponse>> Events(
        WorkflowClient client, string instanceId, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var state in client.WatchWorkflowAsync(instanceId, getInputsAndOutputs: true, ct).ConfigureAwait(false))
        {
            yield return new SseItem<WorkflowStateResponse>(WorkflowStateResponse.From(state), "status");
        }
    }

    private static async Task<IResult> ControlAsync(string instanceId, string action, Func<string, Task<WorkflowCommandResult>> command)
    {
        if (WorkflowInstanceId.Validate(instanceId) is { } idError)
        {
            return Invalid("instanceId", idError);
        }

        return await command(instanceId).ConfigureAwait(false) switch
        {
            WorkflowCommandResult.Applied => TypedResults.Accepted((string?)null),
            WorkflowCommandResult.NotFound => NotFound(instanceId),
            _ => Problem(StatusCodes.Status409Conflict, "Not possible in the current state.",
                $"Cannot {action} instance '{instanceId}' in its current state.", "instanceId"),
        };
    }

    private static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [message] },
            detail: message,
            title: $"The '{field}' value is not valid.");

    private static IResult NotFound(string instanceId) =>
        Problem(StatusCodes.Status404NotFound, "Workflow instance not found.", $"No workflow instance has the id '{instanceId}'.", "instanceId");

    private static ProblemHttpResult Problem(int status, string title, string detail, string field) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["field"] = field });
}
