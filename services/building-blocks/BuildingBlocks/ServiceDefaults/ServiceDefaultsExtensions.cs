using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Platform.BuildingBlocks.Auth;
using Scalar.AspNetCore;

namespace Platform.BuildingBlocks.ServiceDefaults;

public sealed class RateLimitOptions
{
    public const string SectionName = "Platform:RateLimit";

    /// <summary>Requests a client (API key, else remote address) may make per window.</summary>
    public int PermitLimit { get; set; } = 20_000;

    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>What every service of the platform has: problem details, request ids in JSON logs, health, OpenAPI, metrics, rate limits.</summary>
public static class ServiceDefaultsExtensions
{
    public const string ReadyTag = "ready";
    public const string MeterPrefix = "Platform.";
    public const string RateLimitPolicy = "per-client";

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions["requestId"] = context.HttpContext.TraceIdentifier);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks();
        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.AddOptions<ApiKeyOptions>().Bind(builder.Configuration.GetSection(ApiKeyOptions.SectionName));
        builder.AddPlatformAuth();
        builder.Services.AddOptions<RateLimitOptions>()
            .Bind(builder.Configuration.GetSection(RateLimitOptions.SectionName))
            .Validate(o => o.PermitLimit > 0 && o.Window > TimeSpan.Zero, "Platform:RateLimit needs a positive PermitLimit and Window.")
            .ValidateOnStart();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RejectWithRetryAfterAsync;
            o.AddPolicy(RateLimitPolicy, context =>
            {
                var limits = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<RateLimitOptions>>().CurrentValue;
                var client = context.Request.Headers[ApiKeyAuthenticationHandler.HeaderName].ToString() is { Length: > 0 } key
                    ? "key:" + key
                    : "ip:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limits.PermitLimit,
                    Window = limits.Window,
                    QueueLimit = 0,
                });
            });
        });

        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", MeterPrefix + "*")
            .AddPrometheusExporter());

        return builder;
    }

    /// <summary>A refused request learns when to come back (Retry-After, whole seconds) and gets problem details naming the limit.</summary>
    private static async ValueTask RejectWithRetryAfterAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var window = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<RateLimitOptions>>().CurrentValue.Window;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var advised) ? advised : window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests.",
                Detail = $"The rate limit of this client was reached; retry after {seconds} s.",
            },
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Request ids, problem details for unhandled errors (<see cref="ProblemExceptionHandler"/>), authentication and scope
    /// authorization (before rate limiting, which partitions on the caller's identity), rate limiting.
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UsePlatformAuth();
        app.UseRateLimiter();
        return app;
    }

    /// <summary><c>/health</c> (liveness), <c>/ready</c> (checks tagged ready), OpenAPI + UI, <c>/metrics/prometheus</c>.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false }).WithTags("Health");
        app.MapHealthChecks("/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) }).WithTags("Health");
        app.MapOpenApi();
        app.MapScalarApiReference("/docs");
        app.MapPrometheusScrapingEndpoint("/metrics/prometheus");
        return app;
    }
}
