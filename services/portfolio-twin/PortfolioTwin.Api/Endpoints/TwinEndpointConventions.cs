using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Serving;

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
        .RequireTenant()
        .AddEndpointFilter<ModelNotDeployedFilter>()
        .AddEndpointFilter<TwinIndexFailureFilter>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden);

    /// <summary>Body limit of a route taking up to <see cref="PortfolioTwinOptions.BatchLimit"/> rows (properties or interactions).</summary>
    public static RequestBodyLimit BatchBodyLimit(this IEndpointRouteBuilder routes) =>
        RequestBodyLimit.ForBatch(routes.ServiceProvider.GetRequiredService<IOptions<PortfolioTwinOptions>>().Value.BatchLimit);

    /// <summary>Body limit of <c>/recommend</c>: up to <see cref="PortfolioTwinOptions.MaxCandidates"/> candidate ids of some 250 characters.</summary>
    public static RequestBodyLimit CandidatesBodyLimit(this IEndpointRouteBuilder routes) =>
        RequestBodyLimit.ForBatch(routes.ServiceProvider.GetRequiredService<IOptions<PortfolioTwinOptions>>().Value.MaxCandidates, bytesPerRow: 256);

    /// <summary>Reads a snake_case JSON body; malformed JSON is a 400 naming the line and byte.</summary>
    public static async Task<T> ReadBodyAsync<T>(this HttpContext context, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, TwinJson.Options, cancellationToken).ConfigureAwait(false)
                ?? throw new TwinRequestException(StatusCodes.Status400BadRequest, "The request body is empty.", "Send a JSON object.", "body");
        }
        catch (JsonException exception) when (exception.InnerException is InvalidOperationException && exception.Path is { Length: > 2 } path)
        {
            // A string escaping a lone surrogate ("\ud800") is valid JSON syntax but no text: blame the member that holds it.
            throw new TwinRequestException(StatusCodes.Status400BadRequest, "The request has invalid text.",
                $"{JsonPathField(path)} is not valid Unicode text: {exception.InnerException.Message}", JsonPathField(path));
        }
        catch (JsonException exception)
        {
            var where = exception.Path is { Length: > 1 } path ? $" at {path}" : string.Empty;
            throw new TwinRequestException(StatusCodes.Status400BadRequest, "The request body is not valid JSON for this endpoint.",
                $"Line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}{where}: {exception.Message}", "body");
        }
    }

    /// <summary>The serializer's path (<c>$.interactions[0].user_id</c>) as the API names fields (<c>interactions[0].user_id</c>).</summary>
    private static string JsonPathField(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    public static IResult Json<T>(T value) => TypedResults.Json(value, TwinJson.Options);
}
