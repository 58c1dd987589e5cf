using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Lab;

/// <summary>
/// The lab's connection to a running platform: base address, tenant header, the tenant's API key (tenant routes) and the admin key
/// (admin calls: chaos, registry, workflows). A tenant route never gets the admin key: it has no tenant, so it would be refused.
/// </summary>
public sealed class PlatformClient : IDisposable
{
    public PlatformClient(Uri baseAddress, string tenant, string? apiKey, int maxConnections = 512, string? tenantKey = null)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        Http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Add("X-Tenant-Id", tenant);
        Tenant = tenant;
        ApiKey = apiKey;
        TenantKey = tenantKey;
    }

    public HttpClient Http { get; }

    public string Tenant { get; }

    public string? ApiKey { get; }

    /// <summary>The tenant's API key (<c>ptk_…</c>), sent on tenant routes; null against a development-mode host.</summary>
    public string? TenantKey { get; }

    public Uri BaseAddress => Http.BaseAddress!;

    public async Task<JsonNode?> GetJsonAsync(string path, CancellationToken cancellationToken, bool admin = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync(request, admin, cancellationToken).ConfigureAwait(false);
    }

    public async Task<JsonNode?> SendJsonAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken, bool admin = true)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        return await SendAsync(request, admin, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonNode?> SendAsync(HttpRequestMessage request, bool admin, CancellationToken cancellationToken)
    {
        if ((admin ? ApiKey : TenantKey) is { } key)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new PlatformCallException(request.Method, request.RequestUri!, (int)response.StatusCode, text);
        }

        try
        {
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            throw new PlatformCallException(request.Method, request.RequestUri!, (int)response.StatusCode, "not JSON: " + text[..Math.Min(200, text.Length)]);
        }
    }

    public void Dispose() => Http.Dispose();
}

public sealed class PlatformCallException(HttpMethod method, Uri uri, int status, string body)
    : Exception($"{method} {uri} answered {status}: {body[..Math.Min(body.Length, 400)]}")
{
    public int Status { get; } = status;
}
