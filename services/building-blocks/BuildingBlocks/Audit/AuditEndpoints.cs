using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Audit;

/// <summary>An audit entry on the wire (snake_case): the outcome by name, the detail as JSON.</summary>
public sealed record AuditEntryResponse(
    long Id, DateTimeOffset OccurredAt, string Identity, string? TenantId, string Action, string Target, string Outcome, int? StatusCode, JsonElement? Detail)
{
    public static AuditEntryResponse From(AuditEntry entry) => new(entry.Id, entry.OccurredAt, entry.Identity, entry.TenantId, entry.Action,
        entry.Target, PostgresAuditLog.OutcomeName(entry.Outcome), entry.StatusCode, entry.Detail);
}

/// <summary>A page of the audit log, newest first; <c>next_before</c> (absent on the last page) is the <c>before</c> of the next.</summary>
public sealed record AuditPageResponse(IReadOnlyList<AuditEntryResponse> Entries, long? NextBefore);

/// <summary><c>GET /admin/audit</c> (scope admin): the audit log for platform admins, filtered and paged.</summary>
public static class AuditEndpoints
{
    public const string Route = "/admin/audit";

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(Route, ListAsync)
            .RequireScope(PlatformScopes.Admin)
            .WithTags("Admin")
            .WithName("ListAuditEntries")
            .WithSummary("Admin and write actions (who, tenant, when, action, target, outcome), newest first.")
            .WithDescription("Filters: tenant (exact), action (the action or any below it: 'workflow' matches 'workflow.start'), since (ISO 8601), "
                + $"limit (1-{AuditQuery.MaxLimit}, default {AuditQuery.DefaultLimit}); page with before = the previous page's next_before.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return routes;
    }

    /// <summary>
    /// Parses the route's filters (the same rules for the CLI): a problem names the first bad one. Query strings are taken as
    /// text so a bad number or date gets problem details naming it rather than the binder's bare 400.
    /// </summary>
    public static (AuditQuery? Query, string? Field, string? Error) ParseQuery(string? tenant, string? action, string? since, string? limit, string? before)
    {
        if (!string.IsNullOrEmpty(tenant) && !TenantScope.IsValidId(tenant))
        {
            return (null, "tenant", "A tenant id is 1-64 letters, digits, '_' or '-'.");
        }

        if (!string.IsNullOrEmpty(action) && !AuditActions.IsValid(action))
        {
            return (null, "action", "An action is lower-case letters, digits, '_' and '.', starting with a letter, at most 64 characters (e.g. workflow.start).");
        }

        DateTimeOffset? sinceTime = null;
        if (!string.IsNullOrEmpty(since))
        {
            if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                || parsed.Year < 2000 || parsed.Year > 9000)
            {
                return (null, "since", "Give an ISO 8601 time such as 2026-01-31T12:00:00Z.");
            }

            sinceTime = parsed;
        }

        var count = AuditQuery.DefaultLimit;
        if (!string.IsNullOrEmpty(limit)
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > AuditQuery.MaxLimit))
        {
            return (null, "limit", $"The limit is a whole number from 1 to {AuditQuery.MaxLimit}.");
        }

        long? cursor = null;
        if (!string.IsNullOrEmpty(before))
        {
            if (!long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
            {
                return (null, "before", "The cursor is the next_before of the previous page (a positive whole number).");
            }

            cursor = id;
        }

        return (new AuditQuery(NullIfEmpty(tenant), NullIfEmpty(action), sinceTime, cursor, count), null, null);
    }

    private static async Task<Results<Ok<AuditPageResponse>, ProblemHttpResult>> ListAsync(
        string? tenant, string? action, string? since, string? limit, string? before, IAuditLog audit, CancellationToken cancellationToken)
    {
        var (query, field, error) = ParseQuery(tenant, action, since, limit, before);
        if (query is null)
        {
            return TypedResults.Problem(
                title: $"The '{field}' filter is not valid.",
                detail: error,
                statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["field"] = field });
        }

        var page = await audit.QueryAsync(query, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new AuditPageResponse([.. page.Entries.Select(AuditEntryResponse.From)], page.NextBefore));
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
