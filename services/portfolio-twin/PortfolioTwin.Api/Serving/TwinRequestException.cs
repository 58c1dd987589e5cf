using Platform.BuildingBlocks.ServiceDefaults;
using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>
/// A request the twin cannot answer, with the HTTP status and the field to blame, and for 422 every invalid field as
/// <c>errors</c>; the platform's <see cref="ProblemExceptionHandler"/> writes it as problem details, so services stay free of
/// HTTP result types and handlers free of error plumbing.
/// </summary>
public sealed class TwinRequestException(int status, string title, string detail, string? field = null, IReadOnlyList<FieldError>? errors = null)
    : ProblemException(status, title, detail, field)
{
    public IReadOnlyList<FieldError>? Errors { get; } = errors;

    public static TwinRequestException UnknownUser(string userId) => new(StatusCodes.Status404NotFound, "Unknown user.",
        $"User '{userId}' is not known in this tenant: the model has no embedding, and there is no user row or interaction.", "user_id");

    public static TwinRequestException UnknownProperty(string propertyId, string field) => new(StatusCodes.Status404NotFound, "Unknown property.",
        $"Property '{propertyId}' does not exist in this tenant.", field);

    public static TwinRequestException Invalid(IReadOnlyList<FieldError> errors) => new(StatusCodes.Status422UnprocessableEntity,
        "The request has invalid fields.", string.Join("; ", errors.Take(5).Select(e => $"{e.Field}: {e.Detail}")), errors[0].Field, errors)
    {
        Extensions = new Dictionary<string, object?>
        {
            ["errors"] = errors.Select(e => new Dictionary<string, string> { ["field"] = e.Field, ["detail"] = e.Detail }).ToList(),
        },
    };

    public static TwinRequestException Invalid(string field, string detail) => Invalid([new FieldError(field, detail)]);

    public static TwinRequestException TooMany(string field, int count, int limit) => new(StatusCodes.Status413PayloadTooLarge,
        "Too many items in one request.", $"{count} items in '{field}'; at most {limit} per request.", field);
}

/// <summary>
/// Failures of the vector index as problems of the twin's routes: an index that is down or past its deadline is a 503 with
/// Retry-After, and input the index refused (nothing written) a 422 naming the field. Scoped to the twin's route groups,
/// as a timeout or an argument error elsewhere means something else.
/// </summary>
public sealed class TwinIndexFailureFilter : IEndpointFilter
{
    private const int IndexRetryAfterSeconds = 5;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
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
