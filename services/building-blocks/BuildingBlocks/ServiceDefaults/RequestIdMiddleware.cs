using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Platform.BuildingBlocks.ServiceDefaults;

/// <summary>
/// Takes the caller's <c>X-Request-Id</c> (when it is a sane token) or makes one, echoes it on the response and puts it in a
/// logging scope so every structured log line of the request carries it.
/// </summary>
public sealed partial class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string HeaderName = "X-Request-Id";

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[HeaderName].ToString();
        var requestId = SafeRequestId().IsMatch(incoming) ? incoming : Guid.NewGuid().ToString("N");
        context.TraceIdentifier = requestId;
        // Set as the response starts: the exception handler clears the headers of a response it rewrites as problem details.
        context.Response.OnStarting(static state =>
        {
            var (http, id) = ((HttpContext, string))state;
            http.Response.Headers[HeaderName] = id;
            return Task.CompletedTask;
        }, (context, requestId));
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId }))
        {
            await next(context).ConfigureAwait(false);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex SafeRequestId();
}
