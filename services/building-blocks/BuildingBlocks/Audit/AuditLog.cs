using System.Text.Json;

namespace Platform.BuildingBlocks.Audit;

/// <summary>How an audited action ended: done (2xx/3xx), refused by the service (4xx), or broken (5xx, an exception).</summary>
public enum AuditOutcome
{
    Succeeded,
    Rejected,
    Failed,
}

/// <summary>
/// One admin or write action to record. <paramref name="TenantId"/> is null for a platform-wide action;
/// <paramref name="Detail"/> is a small JSON object (never a request body or a secret).
/// </summary>
public sealed record AuditRecord(
    string Identity,
    string? TenantId,
    string Action,
    string Target,
    AuditOutcome Outcome,
    int? StatusCode = null,
    IReadOnlyDictionary<string, object?>? Detail = null);

/// <summary>A recorded action as the log returns it: its id (insertion order) and the time the log stamped.</summary>
public sealed record AuditEntry(
    long Id,
    DateTimeOffset OccurredAt,
    string Identity,
    string? TenantId,
    string Action,
    string Target,
    AuditOutcome Outcome,
    int? StatusCode,
    JsonElement? Detail);

/// <summary>
/// A filter on the log, newest first. <paramref name="Action"/> matches the action or any below it (<c>workflow</c> matches
/// <c>workflow.start</c>); <paramref name="Before"/> is the paging cursor (entries with a smaller id).
/// </summary>
public sealed record AuditQuery(string? TenantId = null, string? Action = null, DateTimeOffset? Since = null, long? Before = null, int Limit = AuditQuery.DefaultLimit)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
}

/// <summary>One page of entries, newest first; <paramref name="NextBefore"/> is the cursor of the next page, null on the last.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long? NextBefore);

/// <summary>
/// The audit log port: append-only. Every admin and write action of the platform is recorded through it (routes with
/// <see cref="AuditEndpointExtensions.Audited{TBuilder}(TBuilder, string, string)"/>, tools with <see cref="RecordAsync"/>).
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends <paramref name="record"/> stamped with the log's clock; identity and target are cleaned and bounded.</summary>
    Task<AuditEntry> RecordAsync(AuditRecord record, CancellationToken cancellationToken = default);

    Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);
}
