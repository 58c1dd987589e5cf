using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.ServiceDefaults;

/// <summary>
/// What a request may cost the server before any handler runs (configuration section <c>Platform:Limits</c>), applied to
/// Kestrel: the body size of a route that declares none of its own (<see cref="RequestLimitExtensions.WithRequestBodyLimit"/>),
/// and how slowly headers and body may arrive. A violation is answered by Kestrel (headers: a bare 408) or, once the handler
/// reads the body, by <see cref="BadHttpRequestExceptionHandler"/> (413, 408, 400 problem details).
/// </summary>
public sealed class RequestLimitOptions : IValidatableObject
{
    public const string SectionName = "Platform:Limits";

    /// <summary>Body limit of a route without its own: one JSON object of the management, registry or admin routes fits many times over.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Time to receive all request headers (Kestrel's <see cref="KestrelServerLimits.RequestHeadersTimeout"/>).</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Slowest body a client may send after <see cref="MinRequestBodyGracePeriod"/> before the request times out (408).</summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 240;

    public TimeSpan MinRequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxRequestBodyBytes <= 0)
        {
            yield return new ValidationResult($"{SectionName}:MaxRequestBodyBytes must be positive.", [nameof(MaxRequestBodyBytes)]);
        }

        if (RequestHeadersTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{SectionName}:RequestHeadersTimeout must be positive.", [nameof(RequestHeadersTimeout)]);
        }

        if (MinRequestBodyBytesPerSecond <= 0)
        {
            yield return new ValidationResult($"{SectionName}:MinRequestBodyBytesPerSecond must be positive.", [nameof(MinRequestBodyBytesPerSecond)]);
        }

        // Kestrel refuses a grace period not longer than its one-second heartbeat.
        if (MinRequestBodyGracePeriod <= TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult($"{SectionName}:MinRequestBodyGracePeriod must be longer than 1 s.", [nameof(MinRequestBodyGracePeriod)]);
        }
    }
}

/// <summary>The body limit of one route, read by endpoint routing (which sets the request's <c>IHttpMaxRequestBodySizeFeature</c>).</summary>
public sealed record RequestBodyLimit(long Bytes) : IRequestSizeLimitMetadata
{
    /// <summary>Room for the object around the rows of a batch (field names, options, whitespace).</summary>
    public const long Envelope = 16 * 1024;

    /// <summary>Bytes a batch row may take: a property of some 30 features, or an interaction with three 200-character ids, escaped.</summary>
    public const int DefaultBytesPerRow = 2 * 1024;

    /// <summary>A route taking one small JSON object (features of one property, a vector, a workflow payload).</summary>
    public static readonly RequestBodyLimit SingleObject = new(64 * 1024);

    long? IRequestSizeLimitMetadata.MaxRequestBodySize => Bytes;

    /// <summary>A batch route's limit: <paramref name="rows"/> rows of at most <paramref name="bytesPerRow"/> each plus an envelope.</summary>
    public static RequestBodyLimit ForBatch(int rows, int bytesPerRow = DefaultBytesPerRow) => new(Envelope + ((long)rows * bytesPerRow));
}

public static class RequestLimitExtensions
{
    public static IServiceCollection AddPlatformRequestLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RequestLimitOptions>()
            .Bind(configuration.GetSection(RequestLimitOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestLimitOptions>>((kestrel, options) =>
        {
            var limits = options.Value;
            kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(limits.MinRequestBodyBytesPerSecond, limits.MinRequestBodyGracePeriod);
        });
        return services;
    }

    /// <summary>
    /// This route (or group) accepts bodies up to <paramref name="limit"/> instead of <see cref="RequestLimitOptions.MaxRequestBodyBytes"/>;
    /// a longer body is a 413 problem naming the limit as soon as the handler reads past it.
    /// </summary>
    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder, RequestBodyLimit limit)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(limit);

    /// <inheritdoc cref="WithRequestBodyLimit{TBuilder}(TBuilder, RequestBodyLimit)"/>
    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder, long bytes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestBodyLimit(bytes));
}
