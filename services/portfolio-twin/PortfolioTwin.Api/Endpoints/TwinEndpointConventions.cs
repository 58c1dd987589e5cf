using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Endpoints;

/// <summary>
/// What every twin route group shares: a credential with the group's scope, tenant resolution (first, so every later filter
/// and handler acts for the credential's tenant), index failures as problems, the body reader. Errors are thrown as
/// <see cref="ProblemException"/>s (a missing model's 503 + Retry-After included) for the platform's exception handler.
/// </summary>
internal static class TwinEndpointConventions
{
    public static RouteGroupBuilder MapTwinGroup(this IEndpointRouteBuilder routes, string tag, string scope) => routes.MapGroup("")
        .WithTags(tag)
        .RequireScope(scope)
        .RequireTenant()
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

    /// <summary>
    /// <c>POST pattern</c>: reads the <typeparamref name="TRequest"/> body, asks the scoring service for the caller's tenant and
    /// answers 200 with its result (the typed result states it in the OpenAPI document).
    /// </summary>
    public static RouteHandlerBuilder MapScoringPost<TRequest, TResponse>(
        this RouteGroupBuilder group, string pattern, Func<TwinScoringService, string, TRequest, CancellationToken, Task<TResponse>> score)
        where TRequest : class =>
        group.MapPost(pattern, async Task<Ok<TResponse>> (HttpContext context, TwinScoringService twin, CancellationToken cancellationToken) =>
            {
                var request = await context.ReadBodyAsync<TRequest>(cancellationToken).ConfigureAwait(false);
                return TypedResults.Ok(await score(twin, TenantScope.Of(context).TenantId, request, cancellationToken).ConfigureAwait(false));
            })
            .Accepts<TRequest>("application/json");

    /// <summary>Reads a JSON body with the host's HTTP JSON options (the snake_case wire); malformed JSON is a 400 naming the line and byte.</summary>
    public static async Task<T> ReadBodyAsync<T>(this HttpContext context, CancellationToken cancellationToken)
        where T : class
    {
        var json = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, json, cancellationToken).ConfigureAwait(false)
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
}
