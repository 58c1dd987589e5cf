using Microsoft.AspNetCore.Http.HttpResults;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.Valuation.Api.Monitoring;

namespace Platform.Valuation.Api.Endpoints;

public static class MonitoringEndpoints
{
    public static IEndpointRouteBuilder MapMonitoringEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/monitoring").WithTags("Monitoring");
        group.MapGet("/drift", (HttpContext context, DriftMonitor drift) => TypedResults.Ok(drift.Evaluate(TenantScope.Of(context).TenantId)))
            .RequireTenant()
            .WithName("GetDrift")
            .RequireScope(PlatformScopes.Estimate, PlatformScopes.Admin)
            .AllowAdminToTargetTenant()
            .WithSummary("PSI and Kolmogorov–Smirnov per numeric feature: the tenant's recent request rows against its champion's training data.")
            .WithDescription("Levels: none below PSI 0.1, warning from 0.1, alert from 0.25 (configurable); insufficient_data until the window "
                + "holds DriftMinSamples rows. Rises are published on the drift-alerts topic.");
        group.MapPost("/training-requests", RequestTrainingAsync)
            .RequireScope(PlatformScopes.Admin)
            .Audited(AuditActions.TrainingRequest, call => call.Arguments.OfType<TrainingRequestBody>().FirstOrDefault()?.TenantId ?? "",
                call => call.Value is TrainingRequestAccepted accepted ? new Dictionary<string, object?> { ["event_id"] = accepted.EventId } : null)
            .WithName("RequestTraining")
            .WithSummary("Publishes training-requested for a tenant (e.g. a guardrail acting on a drift alert); the training workflow starts from it.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return routes;
    }

    /// <summary>Body of <c>POST /monitoring/training-requests</c>.</summary>
    public sealed record TrainingRequestBody(
        [property: System.Text.Json.Serialization.JsonPropertyName("tenant_id")] string? TenantId,
        [property: System.Text.Json.Serialization.JsonPropertyName("reason")] string? Reason);

    /// <summary>The data of the training-requested event, in the shape the training workflow's subscription reads.</summary>
    public sealed record TrainingRequested(string TenantId, string? Reason);

    public sealed record TrainingRequestAccepted(string EventId, string TenantId, string Topic);

    private static async Task<Results<Accepted<TrainingRequestAccepted>, ProblemHttpResult>> RequestTrainingAsync(TrainingRequestBody? body, IEventPublisher publisher, CancellationToken cancellationToken)
    {
        if (body?.TenantId is not { } tenantId || !Platform.BuildingBlocks.Tenancy.TenantScope.IsValidId(tenantId))
        {
            return EstimateEndpoints.Problem(StatusCodes.Status400BadRequest, "A tenant is required.",
                "Send { \"tenant_id\": \"...\", \"reason\": \"...\" } with 1-64 letters, digits, '_' or '-'.", "tenant_id");
        }

        var reason = body.Reason is { Length: > 0 } given ? given[..Math.Min(given.Length, 500)] : "requested through /monitoring/training-requests";
        var eventId = await publisher.PublishAsync(Topics.TrainingRequested, new TrainingRequested(tenantId, reason), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return TypedResults.Accepted((string?)null, new TrainingRequestAccepted(eventId, tenantId, Topics.TrainingRequested));
    }
}
