using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dapr.Workflow;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.BuildingBlocks.Validation;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Management;

/// <summary>An instance as the API shows it: payloads as JSON, not JSON-in-strings; the status by name.</summary>
public sealed record WorkflowStateResponse(
    string InstanceId,
    string Name,
    string? TenantId,
    string RuntimeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    JsonElement? Input,
    JsonElement? Output,
    JsonElement? CustomStatus,
    WorkflowTaskFailureDetails? Failure,
    IReadOnlyList<WorkflowStep> Steps)
{
    public static WorkflowStateResponse From(WorkflowInstanceView view) => new(
        view.InstanceId,
        view.Name,
        view.TenantId,
        view.RuntimeStatus.ToString(),
        view.CreatedAt,
        view.LastUpdatedAt,
        view.Input,
        view.Output,
        view.CustomStatus,
        view.FailureDetails,
        view.Steps);
}

public sealed record WorkflowStartResponse(string InstanceId, bool Created);

public sealed record WorkflowListResponse(IReadOnlyList<WorkflowStateResponse> Items, int Page, int PageSize, int TotalCount);

/// <summary>
/// The management API (Dapr's workflow HTTP API plus list and a progress stream), for credentials with the scope
/// <c>workflows</c> (or the platform admin key). Errors are RFC 9457 problem details naming the offending field.
/// A tenant's credential sees and controls only its tenant's runs (another tenant's run answers as an unknown id) and starts
/// runs for its own tenant only; the platform admin acts on every run, or on one tenant's when it names it in
/// <c>X-Tenant-Id</c>.
/// </summary>
public static class WorkflowManagementApi
{
    public const int MaxPageSize = 500;

    /// <summary>
    /// Deepest nesting a body may have. The answers put a payload two or three levels down (a list's items, then the run's
    /// input), and System.Text.Json writes at most 64 levels: a payload it could not write back is refused when it comes in.
    /// </summary>
    public const int MaxPayloadDepth = 32;

    private static readonly JsonSerializerOptions PayloadReading = new() { MaxDepth = MaxPayloadDepth };

    public static RouteGroupBuilder MapWorkflowManagementApi(this IEndpointRouteBuilder endpoints, string prefix = "/workflows")
    {
        // Typed results state the successes and the 400 validation problems; the other problems are listed per route.
        var group = endpoints.MapGroup(prefix).RequireScope(PlatformScopes.Workflows, PlatformScopes.Admin).WithTags("Workflows")
            .RequireTenant().AllowAdminToTargetTenant().AllowAdminAcrossTenants()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        // A body is a workflow input, output or event payload, which history keeps at most this large (413 past it).
        group.WithRequestBodyLimit(WorkflowManagement.MaxPayloadBytes);
        group.MapPost("/{name}/start", (
                string name, string? instanceId, WorkflowManagement workflows, WorkflowCatalog catalog, [FromServices] IEnumerable<IWorkflowTrigger> triggers,
                TimeProvider time, HttpContext http, CancellationToken ct) =>
            StartAsync(name, instanceId, http, workflows, catalog, triggers.FirstOrDefault(t => t.Workflow == name), time, $"{http.Request.PathBase}{prefix}", ct))
            .Accepts<JsonElement>("application/json").WithName("StartWorkflow")
            .Audited(AuditActions.WorkflowStart, StartTarget, call => call.Value is WorkflowStartResponse started
                ? new Dictionary<string, object?> { ["created"] = started.Created }
                : null)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/", ListAsync).WithName("ListWorkflows");
        group.MapGet("/{instanceId}", GetAsync).WithName("GetWorkflow").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{instanceId}/pause", (string instanceId, WorkflowManagement workflows, HttpContext http, CancellationToken ct) =>
            ControlAsync(instanceId, "pause", id => workflows.SuspendAsync(id, null, AccessOf(http), ct))).WithName("PauseWorkflow").ProducesControlProblems()
            .Audited(AuditActions.WorkflowPause, "{instanceId}");
        group.MapPost("/{instanceId}/resume", (string instanceId, WorkflowManagement workflows, HttpContext http, CancellationToken ct) =>
            ControlAsync(instanceId, "resume", id => workflows.ResumeAsync(id, null, AccessOf(http), ct))).WithName("ResumeWorkflow").ProducesControlProblems()
            .Audited(AuditActions.WorkflowResume, "{instanceId}");
        group.MapPost("/{instanceId}/terminate", TerminateAsync).Accepts<JsonElement>("application/json").WithName("TerminateWorkflow")
            .ProducesControlProblems()
            .Audited(AuditActions.WorkflowTerminate, "{instanceId}");
        group.MapPost("/{instanceId}/events/{eventName}", RaiseEventAsync).Accepts<JsonElement>("application/json").WithName("RaiseWorkflowEvent")
            .ProducesControlProblems()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .Audited(AuditActions.WorkflowRaiseEvent, "{instanceId}", call => new Dictionary<string, object?> { ["event"] = call.Http.Request.RouteValues["eventName"] });
        group.MapDelete("/{instanceId}", PurgeAsync).WithName("PurgeWorkflow").ProducesControlProblems()
            .Audited(AuditActions.WorkflowPurge, "{instanceId}");
        group.MapGet("/{instanceId}/stream", StreamAsync).WithName("StreamWorkflow").ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>The audit target of a start: the workflow and the instance it started (or the id asked for, when refused).</summary>
    private static string StartTarget(AuditedCall call) =>
        $"{call.Http.Request.RouteValues["name"]}/{(call.Value as WorkflowStartResponse)?.InstanceId ?? call.Http.Request.Query["instanceId"].ToString()}";

    /// <summary>A command on an instance: unknown instance (404) or not possible in its state (409).</summary>
    private static RouteHandlerBuilder ProducesControlProblems(this RouteHandlerBuilder route) =>
        route.ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

    /// <summary>
    /// The runs the caller may see and control: its tenant's (the tenant filter resolved it from the credential, or from the
    /// admin's <c>X-Tenant-Id</c>), or every run for the platform admin naming none (the filter lets no one else through without a tenant).
    /// </summary>
    private static WorkflowAccess AccessOf(HttpContext http) =>
        http.Features.Get<TenantScope>() is { } scope ? WorkflowAccess.Tenant(scope.TenantId) : WorkflowAccess.AllTenants;

    /// <summary>
    /// A workflow with its own <see cref="IWorkflowTrigger"/> (PlatformRetraining) is started through it: its id scheme applies when no id is given.
    /// Acting for a tenant, the input is bound to it first (<see cref="WorkflowTenantInput.Bind"/>).
    /// </summary>
    private static async Task<Results<Accepted<WorkflowStartResponse>, Ok<WorkflowStartResponse>, ValidationProblem, ProblemHttpResult>> StartAsync(
        string name, string? instanceId, HttpContext http, WorkflowManagement workflows, WorkflowCatalog catalog, IWorkflowTrigger? trigger,
        TimeProvider time, string locationPrefix, CancellationToken ct)
    {
        if (instanceId is not null && WorkflowInstanceId.Validate(instanceId) is { } idError)
        {
            return Invalid("instanceId", idError);
        }

        var (input, inputError) = await ReadJsonBodyAsync(http.Request, "input", ct).ConfigureAwait(false);
        if (inputError is not null)
        {
            return inputError;
        }

        try
        {
            if (!catalog.Workflows.ContainsKey(name))
            {
                return Problem(StatusCodes.Status404NotFound, "Unknown workflow.", $"No workflow named '{name}' is registered.", "name");
            }

            if (AccessOf(http).TenantId is { } tenant)
            {
                input = WorkflowTenantInput.Bind(catalog, name, input, tenant);
            }

            var (id, created) = trigger is null
                ? await workflows.StartAsync(name, instanceId, input, ct).ConfigureAwait(false)
                : await trigger.StartAsync(WorkflowTriggerSource.Api, time.GetUtcNow(), input, instanceId, ct).ConfigureAwait(false);
            var body = new WorkflowStartResponse(id, created);
            return created ? TypedResults.Accepted($"{locationPrefix}/{id}", body) : TypedResults.Ok(body);
        }
        catch (ArgumentException exception) when (exception.ParamName == "name")
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown workflow.", exception.Message, "name");
        }
        catch (WorkflowNotTenantScopedException exception)
        {
            return Problem(StatusCodes.Status403Forbidden, "Not a tenant's workflow.", exception.Message, "name");
        }
        catch (WorkflowTenantMismatchException exception)
        {
            return Problem(StatusCodes.Status403Forbidden, "The input names another tenant.", exception.Message, exception.Field);
        }
        catch (WorkflowInputRequiredException exception)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, "Input required.", exception.Message, "input");
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

    private static async Task<Results<Ok<WorkflowStateResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string instanceId, WorkflowManagement workflows, HttpContext http, CancellationToken ct)
    {
        if (WorkflowInstanceId.Validate(instanceId) is { } idError)
        {
            return Invalid("instanceId", idError);
        }

        var state = await workflows.GetAsync(instanceId, includePayloads: true, AccessOf(http), ct).ConfigureAwait(false);
        return state is null ? NotFound(instanceId) : TypedResults.Ok(WorkflowStateResponse.From(state));
    }

    private static async Task<Results<Ok<WorkflowListResponse>, ValidationProblem>> ListAsync(
        string? name, string? status, int? page, int? pageSize, WorkflowManagement workflows, HttpContext http, CancellationToken ct)
    {
        WorkflowRuntimeStatus? statusFilter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<WorkflowRuntimeStatus>(status, ignoreCase: true, out var parsed) || int.TryParse(status, out _)
                || parsed == WorkflowRuntimeStatus.Unknown)
            {
                return Invalid("status", $"'{status}' is not a status; use one of {string.Join(", ", Enum.GetNames<WorkflowRuntimeStatus>().Skip(1))}.");
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

        var result = await workflows.ListAsync(string.IsNullOrEmpty(name) ? null : name, statusFilter, page ?? 1, pageSize ?? 50, AccessOf(http), ct)
            .ConfigureAwait(false);
        return TypedResults.Ok(new WorkflowListResponse(
            [.. result.Items.Select(WorkflowStateResponse.From)], result.Page, result.PageSize, result.TotalCount));
    }

    private static async Task<Results<Accepted, ValidationProblem, ProblemHttpResult>> TerminateAsync(
        string instanceId, HttpContext http, WorkflowManagement workflows, CancellationToken ct)
    {
        var (output, outputError) = await ReadJsonBodyAsync(http.Request, "output", ct).ConfigureAwait(false);
        return outputError
            ?? await ControlAsync(instanceId, "terminate", id => workflows.TerminateAsync(id, output, AccessOf(http), ct)).ConfigureAwait(false);
    }

    private static async Task<Results<Accepted, ValidationProblem, ProblemHttpResult>> RaiseEventAsync(
        string instanceId, string eventName, HttpContext http, WorkflowManagement workflows, CancellationToken ct)
    {
        if (WorkflowInstanceId.Validate(eventName) is { } nameError)
        {
            return Invalid("eventName", nameError.Replace("instance id", "event name", StringComparison.Ordinal));
        }

        var (payload, payloadError) = await ReadJsonBodyAsync(http.Request, "payload", ct).ConfigureAwait(false);
        if (payloadError is not null)
        {
            return payloadError;
        }

        try
        {
            return await ControlAsync(instanceId, $"raise event '{eventName}' for", id => workflows.RaiseEventAsync(id, eventName, payload, AccessOf(http), ct))
                .ConfigureAwait(false);
        }
        catch (WorkflowPayloadTooLargeException exception)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Event payload too large.", exception.Message, "payload");
        }
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> PurgeAsync(
        string instanceId, WorkflowManagement workflows, HttpContext http, CancellationToken ct)
    {
        if (WorkflowInstanceId.Validate(instanceId) is { } idError)
        {
            return Invalid("instanceId", idError);
        }

        return await workflows.PurgeAsync(instanceId, AccessOf(http), ct).ConfigureAwait(false) switch
        {
            WorkflowCommandResult.Applied => TypedResults.NoContent(),
            WorkflowCommandResult.NotFound => NotFound(instanceId),
            _ => Problem(StatusCodes.Status409Conflict, "Instance still running.",
                $"Instance '{instanceId}' has not ended; terminate it before purging.", "instanceId"),
        };
    }

    private static async Task<Results<ServerSentEventsResult<WorkflowStateResponse>, ValidationProblem, ProblemHttpResult>> StreamAsync(
        string instanceId, WorkflowManagement workflows, HttpContext http, CancellationToken ct)
    {
        if (WorkflowInstanceId.Validate(instanceId) is { } idError)
        {
            return Invalid("instanceId", idError);
        }

        var access = AccessOf(http);
        if (await workflows.GetAsync(instanceId, includePayloads: false, access, ct).ConfigureAwait(false) is null)
        {
            return NotFound(instanceId);
        }

        return TypedResults.ServerSentEvents(Events(workflows, instanceId, access, ct));
    }

    /// <summary>One "status" event per change; the stream ends when the instance ends.</summary>
    private static async IAsyncEnumerable<SseItem<WorkflowStateResponse>> Events(
        WorkflowManagement workflows, string instanceId, WorkflowAccess access, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var state in workflows.WatchAsync(instanceId, includePayloads: true, access, ct).ConfigureAwait(false))
        {
            yield return new SseItem<WorkflowStateResponse>(WorkflowStateResponse.From(state), "status");
        }
    }

    private static async Task<Results<Accepted, ValidationProblem, ProblemHttpResult>> ControlAsync(string instanceId, string action, Func<string, Task<WorkflowCommandResult>> command)
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

    /// <summary>
    /// The body as JSON (none for an empty body), read here rather than by parameter binding so that malformed JSON gets
    /// a problem naming the field instead of a bare 400. JSON may escape a lone surrogate, and a body may hold bytes that are
    /// not UTF-8: text no history can store, so refused here, naming the string's path under <paramref name="field"/>.
    /// </summary>
    private static async Task<(JsonElement? Value, ValidationProblem? Problem)> ReadJsonBodyAsync(HttpRequest request, string field, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
        if (buffer.Length == 0)
        {
            return (null, null);
        }

        JsonElement value;
        try
        {
            value = JsonSerializer.Deserialize<JsonElement>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), PayloadReading);
        }
        catch (JsonException exception)
        {
            return (null, Invalid(field, $"The body is not valid JSON: {exception.Message}"));
        }

        return JsonText.FirstInvalidUnicode(value, field) is { } path
            ? (null, Invalid(path, $"'{path}' is not valid Unicode text (a lone surrogate or bytes that are not UTF-8)."))
            : (value, null);
    }

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [message] },
            detail: message,
            title: $"The '{field}' value is not valid.",
            extensions: new Dictionary<string, object?> { ["field"] = field });

    private static ProblemHttpResult NotFound(string instanceId) =>
        Problem(StatusCodes.Status404NotFound, "Workflow instance not found.", $"No workflow instance has the id '{instanceId}'.", "instanceId");

    private static ProblemHttpResult Problem(int status, string title, string detail, string field) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["field"] = field });
}
