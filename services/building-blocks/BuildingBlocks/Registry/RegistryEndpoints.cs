using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.Valuation.Api.Estimation;

namespace Platform.Valuation.Api.Endpoints;

/// <summary>
/// Registry views and alias moves. Versions are immutable, so promotion and rollback are both an alias move (API key),
/// announced with <see cref="ModelDeployed"/> so every service holding the model reloads at once.
/// </summary>
public static class RegistryEndpoints
{
    public sealed record SetAliasRequest(int Version);

    public sealed record AliasMoved(string Model, string Alias, int Version, int? PreviousVersion);

    public static IEndpointRouteBuilder MapRegistryEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/registry/{model}").WithTags("Registry").RequireRateLimiting(ServiceDefaultsExtensions.RateLimitPolicy);

        group.MapGet("/versions", async (string model, ModelRegistry registry, CancellationToken cancellationToken) =>
            {
                var versions = await registry.ListVersionsAsync(model, cancellationToken).ConfigureAwait(false);
                return TypedResults.Json(versions.OrderBy(v => v.Version).ToList(), ValuationJson.Options);
            })
            .WithName("ListModelVersions")
            .WithSummary("Every registered version of a model with metrics and lineage, oldest first.")
            .Produces<List<ModelVersion>>();

        group.MapGet("/aliases", async (string model, ModelRegistry registry, CancellationToken cancellationToken) =>
                TypedResults.Json(await registry.GetAliasesAsync(model, cancellationToken).ConfigureAwait(false), ValuationJson.Options))
            .WithName("ListModelAliases")
            .WithSummary("The model's aliases (champion, challenger, ...) and the versions they point at.")
            .Produces<Dictionary<string, int>>();

        group.MapPost("/aliases/{alias}", SetAliasAsync)
            .RequireApiKey()
            .WithName("SetModelAlias")
            .WithSummary("Points an alias at an existing version (promotion or rollback) and publishes model-deployed.")
            .Produces<AliasMoved>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<IResult> SetAliasAsync(
        string model,
        string alias,
        SetAliasRequest? request,
        ModelRegistry registry,
        IEventPublisher publisher,
        CancellationToken cancellationToken)
    {
        if (request is null || request.Version <= 0)
        {
            return EstimateEndpoints.Problem(StatusCodes.Status400BadRequest, "A version is required.", "Send { \"version\": N } with N ≥ 1.", "version");
        }

        var aliases = await registry.GetAliasesAsync(model, cancellationToken).ConfigureAwait(false);
        int? previous = aliases.TryGetValue(alias, out var current) ? current : null;
        try
        {
            await registry.SetAliasAsync(model, alias, request.Version, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelNotFoundException exception)
        {
            return EstimateEndpoints.Problem(StatusCodes.Status404NotFound, "No such model version.", exception.Message, "version");
        }
        catch (ArgumentException exception)
        {
            return EstimateEndpoints.Problem(StatusCodes.Status400BadRequest, "Invalid alias.", exception.Message, "alias");
        }

        await publisher.PublishAsync(Topics.ModelDeployed, new ModelDeployed(model, request.Version, alias), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return TypedResults.Json(new AliasMoved(model, alias, request.Version, previous), ValuationJson.Options);
    }
}
