using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.ServiceDefaults;

public sealed class RateLimitOptions
{
    public const string SectionName = "Platform:RateLimit";

    /// <summary>Requests a client (authenticated identity, else remote address) may make per window, over all routes together.</summary>
    public int PermitLimit { get; set; } = 20_000;

    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Who a request counts against: the authenticated identity (<see cref="ClaimTypes.NameIdentifier"/> of the user the
/// authentication middleware verified), else the connection's remote address. Never a header the caller merely presents:
/// partitioning on an unchecked <c>X-Api-Key</c> let a random key per request escape the limit.
/// </summary>
public readonly record struct RateLimitClient(string? Identity, IPAddress? Address)
{
    public static RateLimitClient Of(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true && context.User.FindFirst(ClaimTypes.NameIdentifier)?.Value is { Length: > 0 } identity
            ? new RateLimitClient(identity, null)
            : new RateLimitClient(null, NetworkOf(context.Connection.RemoteIpAddress));

    /// <summary>
    /// The address a client is counted by: an IPv4 address as it is (also when mapped into IPv6), an IPv6 address by its /64
    /// network, since one subscriber gets a whole /64 and could otherwise take a fresh address per request.
    /// </summary>
    public static IPAddress? NetworkOf(IPAddress? address)
    {
        if (address is null || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}

/// <summary>
/// One global limiter, not a policy per route group: every endpoint, including ones added later, is limited without naming
/// anything. Liveness, readiness and the metrics scrape opt out (<c>DisableRateLimiting</c> in
/// <see cref="ServiceDefaultsExtensions.MapDefaultEndpoints"/>): a 429 there would make the orchestrator restart or unroute a
/// pod that is merely busy, and they are cheap and read nothing tenant-owned.
/// </summary>
public static class RateLimitingExtensions
{
    public static IServiceCollection AddPlatformRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>()
            .Bind(configuration.GetSection(RateLimitOptions.SectionName))
            .Validate(o => o.PermitLimit > 0 && o.Window > TimeSpan.Zero, "Platform:RateLimit needs a positive PermitLimit and Window.")
            .ValidateOnStart();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RejectWithRetryAfterAsync;
        });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((o, limits) =>
        {
            var permits = new FixedWindowRateLimiterOptions
            {
                PermitLimit = limits.Value.PermitLimit,
                Window = limits.Value.Window,
                QueueLimit = 0,
            };
            // One factory for all partitions: the hot path allocates no closure per request.
            Func<RateLimitClient, RateLimiter> create = _ => new FixedWindowRateLimiter(permits);
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, RateLimitClient>(context =>
                new RateLimitPartition<RateLimitClient>(RateLimitClient.Of(context), create));
        });
        return services;
    }

    /// <summary>A refused request learns when to come back (Retry-After, whole seconds) and gets problem details naming the limit.</summary>
    private static async ValueTask RejectWithRetryAfterAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var limits = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var advised) ? advised : limits.Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests.",
                Detail = $"The rate limit of this client ({limits.PermitLimit} requests per {limits.Window.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s) "
                    + $"was reached; retry after {seconds} s.",
                Extensions =
                {
                    ["permitLimit"] = limits.PermitLimit,
                    ["windowSeconds"] = limits.Window.TotalSeconds,
                },
            },
        }).ConfigureAwait(false);
    }
}
