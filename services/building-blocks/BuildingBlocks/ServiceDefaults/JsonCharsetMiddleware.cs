using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Platform.BuildingBlocks.ServiceDefaults;

/// <summary>
/// JSON is UTF-8 (RFC 8259 §8.1): a JSON body declared in any other charset (or an unknown one, such as <c>charset=bogus</c>) is
/// answered 415 with problem details naming <c>Content-Type</c> before any handler reads it. Left to the handlers, body binding
/// throws on an unknown charset (a 500), and routes that read the bytes themselves would misread UTF-16.
/// </summary>
public sealed class JsonCharsetMiddleware(RequestDelegate next)
{
    public const string Field = "Content-Type";

    public Task InvokeAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType;
        if (contentType is null
            || IsPlainJson(contentType)
            || !MediaTypeHeaderValue.TryParse(contentType, out var media)
            || !IsJson(media)
            || HeaderUtilities.RemoveQuotes(media.Charset) is not { Length: > 0 } charset)
        {
            return next(context);
        }

        if (IsUtf8(charset.Value!))
        {
            // Body binding knows only the plain spelling: "utf8" or a quoted "utf-8" would be a 500 there.
            if (!media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            {
                context.Request.ContentType = $"{media.MediaType}; charset=utf-8";
            }

            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status415UnsupportedMediaType,
                Title = "Unsupported charset.",
                Detail = $"JSON bodies must be UTF-8; the {Field} header declares charset '{Sanitized(charset.Value!)}'. Send charset=utf-8 or no charset.",
                Extensions = { ["field"] = Field },
            },
        }).AsTask();
    }

    /// <summary>What nearly every client sends: accepted without parsing the header (this runs on every request).</summary>
    private static bool IsPlainJson(string contentType) =>
        contentType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.Equals("application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase);

    private static bool IsJson(MediaTypeHeaderValue media) =>
        media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase);

    private static bool IsUtf8(string charset) =>
        charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);

    // The header is the caller's text; keep the echo short and printable.
    private static string Sanitized(string charset) =>
        new([.. charset.Take(40).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c)]);
}
