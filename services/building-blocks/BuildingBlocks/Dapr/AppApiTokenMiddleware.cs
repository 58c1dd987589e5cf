using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.Dapr;

/// <summary>
/// Rejects calls to the sidecar-only routes (subscriptions, input bindings, <c>/dapr/*</c>) that lack the
/// <c>dapr-api-token</c> header carrying APP_API_TOKEN, so that only the app's own sidecar can deliver events or triggers.
/// Public API routes are left alone: they are reached through ingress or service invocation.
/// </summary>
public sealed class AppApiTokenMiddleware(RequestDelegate next, IOptions<DaprOptions> options)
{
    public const string HeaderName = "dapr-api-token";

    private readonly byte[]? _expected = string.IsNullOrEmpty(options.Value.AppApiToken) ? null : Encoding.UTF8.GetBytes(options.Value.AppApiToken);
    private readonly string[] _paths = [.. options.Value.SidecarOnlyPaths];

    public Task InvokeAsync(HttpContext context)
    {
        if (_expected is null || !_paths.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
        {
            return next(context);
        }

        var presented = Encoding.UTF8.GetBytes(context.Request.Headers[HeaderName].ToString());
        if (CryptographicOperations.FixedTimeEquals(presented, _expected))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }
}
