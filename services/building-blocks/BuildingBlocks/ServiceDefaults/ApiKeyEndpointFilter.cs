using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.ServiceDefaults;

/// <summary>Keys allowed to call admin and registry-changing routes (configuration section <c>Platform:ApiKeys</c>).</summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "Platform";

    public List<string> ApiKeys { get; set; } = [];
}

/// <summary>Rejects a request without a configured <c>X-Api-Key</c> with 401 problem details. Compares in constant time.</summary>
public sealed class ApiKeyEndpointFilter(IOptionsMonitor<ApiKeyOptions> options) : IEndpointFilter
{
    public const string HeaderName = "X-Api-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = context.HttpContext.Request.Headers[HeaderName].ToString();
        if (presented.Length == 0 || !options.CurrentValue.ApiKeys.Any(key => Matches(key, presented)))
        {
            return Results.Problem(
                title: "A valid API key is required.",
                detail: $"Send a configured key in the {HeaderName} header.",
                statusCode: StatusCodes.Status401Unauthorized,
                extensions: new Dictionary<string, object?> { ["field"] = HeaderName });
        }

        return await next(context).ConfigureAwait(false);
    }

    private static bool Matches(string expected, string presented) =>
        expected.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));
}

public static class ApiKeyEndpointExtensions
{
    /// <summary>Protects the endpoint (or group) with <see cref="ApiKeyEndpointFilter"/>.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, ApiKeyEndpointFilter>();
}
