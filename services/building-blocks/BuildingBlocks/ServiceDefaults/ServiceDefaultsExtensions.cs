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

/// <summary>What every service of the platform has: problem details, the JSON wire, request ids in JSON logs, health, OpenAPI, metrics, rate limits.</summary>
public static class ServiceDefaultsExtensions
{
    public const string ReadyTag = "ready";
    public const string MeterPrefix = "Platform.";

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions["requestId"] = context.HttpContext.TraceIdentifier;
            BadHttpRequestExceptionHandler.DescribeBareTooLarge(context);
        });
        builder.Services.AddExceptionHandler<BadHttpRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        // One HTTP JSON configuration for every module of the host; the OpenAPI document describes the same wire.
        builder.Services.ConfigureHttpJson().AddWireContracts(typeof(WireJson).Assembly);
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks();
        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.AddOptions<ApiKeyOptions>().Bind(builder.Configuration.GetSection(ApiKeyOptions.SectionName));
        builder.AddPlatformAuth();
        builder.Services.AddPlatformRateLimiting(builder.Configuration);
        builder.Services.AddPlatformRequestLimits(builder.Configuration);

        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", MeterPrefix + "*")
            .AddPrometheusExporter());

        return builder;
    }

    /// <summary>
    /// Request ids, problem details for unhandled errors (<see cref="ProblemExceptionHandler"/>), authentication, rate limiting,
    /// scope authorization and the request's tenant (<see cref="PlatformAuthExtensions.UsePlatformAuthorization"/>). The limiter runs after authentication, so it counts a verified identity (<see cref="RateLimitClient"/>),
    /// and before authorization, so requests refused 401/403 (guessing credentials) are limited too. JSON bodies are read
    /// in UTF-8 only (<see cref="JsonCharsetMiddleware"/>).
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UsePlatformAuth();
        app.UseRateLimiter();
        app.UsePlatformAuthorization();
        app.UseMiddleware<JsonCharsetMiddleware>();
        return app;
    }

    /// <summary><c>/health</c> (liveness), <c>/ready</c> (checks tagged ready), OpenAPI + UI, <c>/metrics/prometheus</c>.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Exempt from the global rate limit (see RateLimitingExtensions): probes and the scraper must see a busy service as it is.
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false }).WithTags("Health").DisableRateLimiting();
        app.MapHealthChecks("/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) }).WithTags("Health")
            .DisableRateLimiting();
        app.MapOpenApi();
        app.MapScalarApiReference("/docs");
        app.MapPrometheusScrapingEndpoint("/metrics/prometheus").DisableRateLimiting();
        return app;
    }
}
