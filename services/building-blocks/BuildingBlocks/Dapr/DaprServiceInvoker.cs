using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using global::Dapr.Client;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.Dapr;

/// <summary>
/// <see cref="IServiceInvoker"/> over Dapr service invocation: an <see cref="HttpClient"/> from
/// <see cref="DaprClient.CreateInvokeHttpClient"/> per app id, which sends <c>http://{appId}/{method}</c> through the
/// sidecar's HTTP API (with the Dapr API token).
/// </summary>
public sealed class DaprServiceInvoker(IOptions<DaprOptions> options) : IServiceInvoker, IDisposable
{
    private readonly ConcurrentDictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);

    public async Task<TResponse> InvokeAsync<TRequest, TResponse>(
        string appId, string method, TRequest request, CancellationToken cancellationToken = default, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        ArgumentException.ThrowIfNullOrEmpty(method);
        var client = _clients.GetOrAdd(appId, id => DaprClient.CreateInvokeHttpClient(id, options.Value.HttpEndpoint, options.Value.DaprApiToken));
        using var message = new HttpRequestMessage(HttpMethod.Post, method.TrimStart('/'))
        {
            Content = JsonContent.Create(request, options: JsonSerializerOptions.Web),
        };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new ServiceInvocationException(appId, method, (int)response.StatusCode, body);
        }

        return await response.Content.ReadFromJsonAsync<TResponse>(JsonSerializerOptions.Web, cancellationToken).ConfigureAwait(false)
            ?? throw new ServiceInvocationException(appId, method, (int)response.StatusCode, "empty response body");
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
