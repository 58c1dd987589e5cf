using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Auth;

/// <summary>
/// <c>/admin/keys</c> (scope admin): create a tenant key (the key is in the answer, once), list keys (never the keys), revoke one.
/// The same operations as <c>platform keys create|list|revoke</c>.
/// </summary>
public static class ApiKeyEndpoints
{
    public sealed record CreateKeyRequest(string? TenantId, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt);

    /// <summary>A key as listed: no secret.</summary>
    public sealed record KeyInfo(string KeyId, string TenantId, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
    {
        public static KeyInfo From(ApiKeyRecord r) => new(r.KeyId, r.TenantId, r.Scopes, r.ExpiresAt, r.CreatedAt, r.RevokedAt);
    }

    /// <summary>A key just created: <see cref="Key"/> is shown here once and cannot be read again.</summary>
    public sealed record CreatedKey(string KeyId, string TenantId, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt, string Key);

    public static IEndpointRouteBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/admin/keys").WithTags("Admin").RequireScope(PlatformScopes.Admin)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("", CreateAsync)
            .Audited(AuditActions.ApiKeyCreate, call => (call.Value as CreatedKey)?.KeyId ?? "", call => call.Value is CreatedKey created
                ? new Dictionary<string, object?> { ["tenant_id"] = created.TenantId, ["scopes"] = created.Scopes, ["expires_at"] = created.ExpiresAt }
                : null)
            .WithName("CreateApiKey")
            .WithSummary("Creates a tenant API key with scopes and an optional expiry; the key is in this answer only.")
            .Accepts<CreateKeyRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("", async Task<Results<Ok<List<KeyInfo>>, ProblemHttpResult>> (string? tenantId, ApiKeyStore store, CancellationToken cancellationToken) =>
            {
                if (tenantId is not null && !TenantScope.IsValidId(tenantId))
                {
                    return Problem("Invalid tenant id.", "tenant_id is 1-64 letters, digits, '_' or '-'.", "tenant_id");
                }

                var keys = await store.ListAsync(tenantId, cancellationToken).ConfigureAwait(false);
                return TypedResults.Ok(keys.Select(KeyInfo.From).ToList());
            })
            .WithName("ListApiKeys")
            .WithSummary("Every tenant key (optionally of one tenant, ?tenantId=), without the keys themselves.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapDelete("/{keyId}", async Task<Results<Ok<KeyInfo>, ProblemHttpResult>> (
                string keyId, ApiKeyStore store, ApiKeyVerifier verifier, CancellationToken cancellationToken) =>
            {
                var revoked = await store.RevokeAsync(keyId, cancellationToken).ConfigureAwait(false);
                if (revoked is null)
                {
                    return TypedResults.Problem(title: "No such key.", detail: $"No key has the id '{keyId}'.",
                        statusCode: StatusCodes.Status404NotFound, extensions: new Dictionary<string, object?> { ["field"] = "keyId" });
                }

                verifier.Evict(keyId);
                return TypedResults.Ok(KeyInfo.From(revoked));
            })
            .Audited(AuditActions.ApiKeyRevoke, "{keyId}")
            .WithName("RevokeApiKey")
            .WithSummary("Revokes a tenant key: refused at once by this host, by every other host within Platform:Auth:ApiKeyCacheDuration.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<Results<Created<CreatedKey>, ProblemHttpResult>> CreateAsync(
        HttpContext context, ApiKeyStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        CreateKeyRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<CreateKeyRequest>(context.Request.Body, WireJson.Options, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            return Problem("The request body is not valid JSON.", exception.Message, "body");
        }

        if (Validate(request, time.GetUtcNow()) is { } invalid)
        {
            return invalid;
        }

        var created = await store.CreateAsync(request!.TenantId!, request.Scopes!.Distinct(StringComparer.Ordinal).ToList(), request.ExpiresAt, cancellationToken)
            .ConfigureAwait(false);
        var r = created.Record;
        return TypedResults.Created((string?)null, new CreatedKey(r.KeyId, r.TenantId, r.Scopes, r.ExpiresAt, r.CreatedAt, created.Key));
    }

    /// <summary>The problem with a create request (shared with the CLI), or null.</summary>
    public static ProblemHttpResult? Validate(CreateKeyRequest? request, DateTimeOffset now)
    {
        if (request is null || !TenantScope.IsValidId(request.TenantId))
        {
            return Problem("A tenant is required.", "tenant_id is 1-64 letters, digits, '_' or '-'.", "tenant_id");
        }

        if (request.Scopes is not { Count: > 0 } scopes || scopes.Any(s => !PlatformScopes.Tenant.Contains(s, StringComparer.Ordinal)))
        {
            return Problem("Invalid scopes.", $"scopes is a non-empty list of {string.Join(", ", PlatformScopes.Tenant)} (admin is the platform key's alone).", "scopes");
        }

        if (request.ExpiresAt is { } expires && expires <= now)
        {
            return Problem("The expiry is in the past.", "expires_at must be a future time (or absent for a key that does not expire).", "expires_at");
        }

        return null;
    }

    private static ProblemHttpResult Problem(string title, string detail, string field) => TypedResults.Problem(
        title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest, extensions: new Dictionary<string, object?> { ["field"] = field });
}
