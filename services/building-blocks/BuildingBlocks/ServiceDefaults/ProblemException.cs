using Microsoft.AspNetCore.Http;

namespace Platform.BuildingBlocks.ServiceDefaults;

/// <summary>
/// A request the service cannot answer, with its HTTP status, a title, the field to blame and any further problem-details
/// members. Thrown from services and handlers; <see cref="ProblemExceptionHandler"/> writes it as RFC 9457 problem details,
/// so neither needs error plumbing of its own.
/// </summary>
public class ProblemException(int status, string title, string detail, string? field = null) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public string? Field { get; } = field;

    /// <summary>The problem type URI; left out, the status's RFC 9110 section is used.</summary>
    public string? Type { get; init; }

    /// <summary>Seconds for a Retry-After header (e.g. a 503 before any model is deployed).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Further members of the problem details, after <c>field</c>.</summary>
    public IReadOnlyDictionary<string, object?>? Extensions { get; init; }

    public static ProblemException ServiceUnavailable(string title, string detail, int retryAfterSeconds) =>
        new(StatusCodes.Status503ServiceUnavailable, title, detail) { RetryAfterSeconds = retryAfterSeconds };
}
