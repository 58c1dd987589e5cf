using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.ServiceDefaults;

/// <summary>
/// What the server (Kestrel) rejected while a handler read the body: over the route's size limit (413), arriving too slowly
/// (408), malformed framing such as a bad chunk size (400). Without this the exception would be a 500; with it, problem
/// details naming the body and, for 413, the limit. Registered before <see cref="ProblemExceptionHandler"/>.
/// </summary>
public sealed class BadHttpRequestExceptionHandler(IProblemDetailsService problemDetails, IOptions<RequestLimitOptions> limits) : IExceptionHandler
{
    public const string BodyField = "body";
    public const string LimitExtension = "maxRequestBodyBytes";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }

        var details = bad.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => TooLarge(httpContext),
            StatusCodes.Status408RequestTimeout => new ProblemDetails
            {
                Title = "The request body arrived too slowly.",
                Detail = $"The body must arrive at {limits.Value.MinRequestBodyBytesPerSecond.ToString(CultureInfo.InvariantCulture)} bytes/s or faster "
                    + $"after a grace period of {limits.Value.MinRequestBodyGracePeriod.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.",
            },
            // Kestrel's messages name the framing error ("Bad chunk size data.") and nothing of the server's internals.
            _ => new ProblemDetails { Title = "The request is malformed.", Detail = bad.Message },
        };
        details.Status = bad.StatusCode;
        details.Extensions["field"] = BodyField;
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = details,
            Exception = exception,
        }).ConfigureAwait(false);
    }

    /// <summary>A 413 problem naming the limit in force for this request (the route's, else the server's default).</summary>
    public static ProblemDetails TooLarge(HttpContext httpContext)
    {
        var limit = httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        var details = new ProblemDetails
        {
            Status = StatusCodes.Status413PayloadTooLarge,
            Title = "The request body is too large.",
            Detail = limit is { } bytes
                ? $"This route accepts bodies of at most {bytes.ToString(CultureInfo.InvariantCulture)} bytes."
                : "The request body is larger than this route accepts.",
        };
        if (limit is { } max)
        {
            details.Extensions[LimitExtension] = max;
        }

        return details;
    }

    /// <summary>
    /// A bare 413 (minimal-API body binding catches the exception itself and only sets the status) gets the same description
    /// when status-code pages write its problem details. A 413 a handler wrote with its own <c>field</c> (too many rows) is left alone.
    /// </summary>
    internal static void DescribeBareTooLarge(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Status != StatusCodes.Status413PayloadTooLarge || context.Exception is not null
            || context.ProblemDetails.Extensions.ContainsKey("field"))
        {
            return;
        }

        var described = TooLarge(context.HttpContext);
        context.ProblemDetails.Title = described.Title;
        context.ProblemDetails.Detail = described.Detail;
        context.ProblemDetails.Extensions["field"] = BodyField;
        foreach (var (name, value) in described.Extensions)
        {
            context.ProblemDetails.Extensions[name] = value;
        }
    }
}
