using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Registry;

/// <summary>
/// The platform-wide registry routes, mapped once by each host that serves them (the valuation service and the all-in-one
/// host): registry views, report plots (<see cref="ReportPlotEndpoints"/>) and alias moves, each for the caller's tenant only
/// (<c>RequireTenant</c>): another tenant's versions, lineage, aliases and reports are not visible, and a version number
/// names the caller's own version. Versions are immutable, so promotion and rollback are both an alias move (API key),
/// announced with <see cref="ModelDeployed"/> so every service holding the model reloads at once. Also the forced reload of a
/// champion (<c>POST /admin/reload</c>), which the service owning the model maps with its own description of what serves.
/// </summary>
public static class RegistryEndpoints
{
    public sealed record SetAliasRequest(int Version);

    public sealed record AliasMoved(string Model, string Alias, int Version, int? PreviousVersion, string? TenantId = null);

    public static IEndpointRouteBuilder MapRegistryEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/registry/{model}").WithTags("Registry")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        // Reads: any credential of the tenant.
        var reads = group.MapGroup("").RequireTenantCredential();
        reads.MapGet("/versions", ListVersionsAsync)
            .WithName("ListModelVersions")
            .WithSummary("Every registered version of the tenant's model with metrics and lineage, oldest first; [] for a platform model not trained yet.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        reads.MapGet("/aliases", ListAliasesAsync)
            .WithName("ListModelAliases")
            .WithSummary("The tenant's aliases of the model (champion, challenger, ...) and the versions they point at; {} for a platform model not trained yet.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        // Moving an alias (promotion, rollback): the admin, naming the tenant.
        group.MapPost("/aliases/{alias}", SetAliasAsync)
            .RequireScope(PlatformScopes.Admin)
            .RequireTenant()
            .AllowAdminToTargetTenant()
            .Audited(AuditActions.RegistryAliasSet, "{model}/{alias}", call => call.Value is AliasMoved moved
                ? new Dictionary<string, object?> { ["version"] = moved.Version, ["previous_version"] = moved.PreviousVersion }
                : null)
            .WithName("SetModelAlias")
            .WithSummary("Points an alias at an existing version (promotion or rollback) and publishes model-deployed.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        routes.MapReportPlotEndpoints();
        return routes;
    }

    /// <summary>
    /// The tenant's versions of <paramref name="model"/>, oldest first: [] for a platform model the tenant has not trained yet,
    /// 404 for a model unknown to the tenant (<see cref="UnknownModelAsync"/>).
    /// </summary>
    private static async Task<Results<Ok<List<ModelVersion>>, ProblemHttpResult>> ListVersionsAsync(
        string model, HttpContext context, ModelRegistry registry, CancellationToken cancellationToken)
    {
        var tenantId = TenantScope.Of(context).TenantId;
        var versions = await registry.ListVersionsAsync(tenantId, model, cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0 && await UnknownModelAsync(registry, tenantId, model, cancellationToken).ConfigureAwait(false) is { } unknown)
        {
            return unknown;
        }

        return TypedResults.Ok(versions.OrderBy(v => v.Version).ToList());
    }

    /// <summary>
    /// The tenant's aliases of <paramref name="model"/>: {} for a platform model the tenant has not trained yet or a model it
    /// registered without aliases, 404 for a model unknown to the tenant (<see cref="UnknownModelAsync"/>).
    /// </summary>
    private static async Task<Results<Ok<IReadOnlyDictionary<string, int>>, ProblemHttpResult>> ListAliasesAsync(
        string model, HttpContext context, ModelRegistry registry, CancellationToken cancellationToken)
    {
        var tenantId = TenantScope.Of(context).TenantId;
        var aliases = await registry.GetAliasesAsync(tenantId, model, cancellationToken).ConfigureAwait(false);
        if (aliases.Count == 0 && await UnknownModelAsync(registry, tenantId, model, cancellationToken).ConfigureAwait(false) is { } unknown)
        {
            return unknown;
        }

        return TypedResults.Ok(aliases);
    }

    /// <summary>
    /// The registry views' one rule for an unknown model: a platform model (<see cref="ModelNames.IsPlatformModel"/>) exists for
    /// every tenant, trained or not; any other name the tenant registered no version of is unknown (404 problem details naming
    /// <c>model</c>), whatever other tenants registered, so another tenant's models are not told. Null for a known model.
    /// </summary>
    private static async Task<ProblemHttpResult?> UnknownModelAsync(ModelRegistry registry, string tenantId, string model, CancellationToken cancellationToken) =>
        ModelNames.IsPlatformModel(model) || await registry.HasVersionsAsync(tenantId, model, cancellationToken).ConfigureAwait(false)
            ? null
            : Problem(StatusCodes.Status404NotFound, "No such model.",
                $"The tenant has no model '{model}': the platform's models are '{ModelNames.Price}' and '{ModelNames.Twin}'.", "model");

    private static async Task<Results<Ok<AliasMoved>, ProblemHttpResult>> SetAliasAsync(
        string model,
        string alias,
        HttpContext context,
        SetAliasRequest? request,
        ModelRegistry registry,
        IEventPublisher publisher,
        CancellationToken cancellationToken)
    {
        if (request is null || request.Version <= 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "A version is required.", "Send { \"version\": N } with N ≥ 1.", "version");
        }

        var tenantId = TenantScope.Of(context).TenantId;
        var aliases = await registry.GetAliasesAsync(tenantId, model, cancellationToken).ConfigureAwait(false);
        int? previous = aliases.TryGetValue(alias, out var current) ? current : null;
        try
        {
            await registry.SetAliasAsync(tenantId, model, alias, request.Version, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelNotFoundException exception)
        {
            return Problem(StatusCodes.Status404NotFound, "No such model version.", exception.Message, "version");
        }
        catch (ArgumentException exception)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid alias.", exception.Message, "alias");
        }

        await publisher.PublishAsync(Topics.ModelDeployed, new ModelDeployed(model, request.Version, alias, tenantId), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return TypedResults.Ok(new AliasMoved(model, alias, request.Version, previous, tenantId));
    }

    /// <summary>
    /// <c>POST /admin/reload</c> (API key): re-reads the tenant's champion of <typeparamref name="TModel"/> now and answers with
    /// <paramref name="describe"/>; a corrupt artifact keeps the previous model serving (the description reports the error).
    /// </summary>
    public static RouteHandlerBuilder MapModelReload<TModel, TResult>(this IEndpointRouteBuilder routes, Func<ChampionModelCache<TModel>, TResult> describe)
        where TModel : class
        where TResult : IResult
    {
        var admin = routes.MapGroup("/admin").WithTags("Admin").RequireScope(PlatformScopes.Admin).RequireTenant().AllowAdminToTargetTenant();
        return admin.MapPost("/reload", async Task<TResult> (HttpContext context, TenantChampions<TModel> champions, CancellationToken cancellationToken) =>
            {
                var cache = champions.For(TenantScope.Of(context).TenantId);
                await cache.ReloadAsync(cancellationToken).ConfigureAwait(false);
                return describe(cache);
            })
            .Audited(AuditActions.ModelReload, call => call.Http.RequestServices.GetRequiredService<TenantChampions<TModel>>().ModelName)
            .WithName("ReloadModel")
            .WithSummary("Re-reads the champion from the registry now. A corrupt artifact keeps the previous model serving (see last_error).")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static ProblemHttpResult Problem(int status, string title, string detail, string? field) => TypedResults.Problem(
        title: title,
        detail: detail,
        statusCode: status,
        extensions: field is null ? null : new Dictionary<string, object?> { ["field"] = field });
}
