using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>
/// A request the service cannot answer, with the HTTP status and the field to blame; <see cref="TwinProblemFilter"/> turns it into
/// problem details, so services stay free of HTTP result types and handlers free of error plumbing.
/// </summary>
public sealed class TwinRequestException(int status, string title, string detail, string? field = null, IReadOnlyList<FieldError>? errors = null)
    : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string? Field { get; } = field;
    public IReadOnlyList<FieldError>? Errors { get; } = errors;

    /// <summary>Seconds for a Retry-After header (503 while the vector index is unavailable).</summary>
    public int? RetryAfterSeconds { get; init; }

    public static TwinRequestException UnknownUser(string userId) => new(StatusCodes.Status404NotFound, "Unknown user.",
        $"User '{userId}' is not known in this tenant: the model has no embedding, and there is no user row or interaction.", "user_id");

    public static TwinRequestException UnknownProperty(string propertyId, string field) => new(StatusCodes.Status404NotFound, "Unknown property.",
        $"Property '{propertyId}' does not exist in this tenant.", field);

    public static TwinRequestException Invalid(IReadOnlyList<FieldError> errors) => new(StatusCodes.Status422UnprocessableEntity,
        "The request has invalid fields.", string.Join("; ", errors.Take(5).Select(e => $"{e.Field}: {e.Detail}")), errors[0].Field, errors);

    public static TwinRequestException Invalid(string field, string detail) => Invalid([new FieldError(field, detail)]);

    public static TwinRequestException TooMany(string field, int count, int limit) => new(StatusCodes.Status413PayloadTooLarge,
        "Too many items in one request.", $"{count} items in '{field}'; at most {limit} per request.", field);
}

/// <summary>
/// Maps <see cref="TwinRequestException"/> to problem details (with <c>field</c> and, for 422, every <c>errors</c> entry); a
/// vector index that is down or past its deadline is a 503 with Retry-After, and input the index refused (nothing written) a 422
/// naming the field.
/// </summary>
public sealed class TwinProblemFilter : IEndpointFilter
{
    private const int IndexRetryAfterSeconds = 5;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await ForIndexFailures(next, context).ConfigureAwait(false);
        }
        catch (TwinRequestException exception)
        {
            var extensions = new Dictionary<string, object?>();
            if (exception.Field is not null)
            {
                extensions["field"] = exception.Field;
            }

            if (exception.Errors is not null)
            {
                extensions["errors"] = exception.Errors.Select(e => new Dictionary<string, string> { ["field"] = e.Field, ["detail"] = e.Detail }).ToList();
            }

            if (exception.RetryAfterSeconds is { } seconds)
            {
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return TypedResults.Problem(title: exception.Title, detail: exception.Message, statusCode: exception.Status, extensions: extensions);
        }
    }

    private static async ValueTask<object?> ForIndexFailures(EndpointFilterDelegate next, EndpointFilterInvocationContext context)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is TimeoutException or Platform.BuildingBlocks.VectorSearch.VectorIndexUnavailableException)
        {
            throw new TwinRequestException(StatusCodes.Status503ServiceUnavailable, "The vector index is unavailable.", exception.Message)
            {
                RetryAfterSeconds = IndexRetryAfterSeconds,
            };
        }
        catch (ArgumentException exception) when (exception.ParamName is { } field)
        {
            // The index names its own parameter; the request calls the result count top_k.
            var name = field == "limit" ? "top_k" : field;
            throw TwinRequestException.Invalid(name, exception.Message);
        }
    }
}
