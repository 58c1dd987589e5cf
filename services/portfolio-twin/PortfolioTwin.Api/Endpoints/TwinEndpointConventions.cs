using System.Text.Json;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Serving;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.PortfolioTwin.Api.Endpoints;

/// <summary>
/// What every twin route group shares: a credential with the group's scope, tenant resolution (first, so every later filter
/// and handler acts for the credential's tenant), 503 + Retry-After before a model is deployed (as every
/// champion-serving service answers), index failures as problems, rate limiting, JSON.
/// </summary>
internal static class TwinEndpointConventions
{
    public static RouteGroupBuilder MapTwinGroup(this IEndpointRouteBuilder routes, string tag, string scope) => routes.MapGroup("")
        .WithTags(tag)
        .RequireScope(scope)
        .RequireRateLimiting(ServiceDefaultsExtensions.RateLimitPolicy)
        .RequireTenant()
        .AddEndpointFilter<ModelNotDeployedFilter>()
        .AddEndpointFilter<TwinIndexFailureFilter>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden);

    /// <summary>Reads a snake_case JSON body; malformed JSON is a 400 naming the line and byte.</summary>
    public static async Task<T> ReadBodyAsync<T>(this HttpContext context, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, TwinJson.Options, cancellationToken).ConfigureAwait(false)
                ?? throw new TwinRequestException(StatusCodes.Status400BadRequest, "The request body is empty.", "Send a JSON object.", "body");
        }
        catch (JsonException exception)
        {
            var where = exception.Path is { Length: > 1 } path ? $" at {path}" : string.Empty;
            throw new TwinRequestException(StatusCodes.Status400BadRequest, "The request body is not valid JSON for this endpoint.",
                $"Line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}{where}: {exception.Message}", "body");
        }
    }

    public static IResult Json<T>(T value) => TypedResults.Json(value, TwinJson.Options);
}
