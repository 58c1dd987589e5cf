using System.Collections.Concurrent;
using System.Net;
using Dapr.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Dapr.Tests.FakeSidecar;

/// <summary>
/// An in-test stand-in for daprd: the Dapr gRPC API (HTTP/2 cleartext) the adapters call through <see cref="DaprClient"/>,
/// plus the HTTP service-invocation route <c>/v1.0/invoke/{appId}/method/{method}</c>, both on loopback ports.
/// </summary>
public sealed class FakeDaprSidecar : IAsyncDisposable
{
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Transfer-Encoding", "Content-Length", "Content-Type", "dapr-api-token",
    };

    private readonly WebApplication _host;
    private readonly HttpClient _appClient = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ConcurrentDictionary<string, Uri> _apps = new(StringComparer.Ordinal);
    private readonly string _bindingRoot;

    private FakeDaprSidecar(FakeSidecarOptions options)
    {
        Options = options;
        _bindingRoot = Directory.CreateTempSubdirectory("fake-dapr-localstorage-").FullName;
        State = new FakeSidecarState(options, _bindingRoot);
        Delivery = new SubscriptionDelivery(options, _appClient);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => { listen.Protocols = HttpProtocols.Http2; GrpcListener = listen; });
            kestrel.Listen(IPAddress.Loopback, 0, listen => { listen.Protocols = HttpProtocols.Http1; HttpListener = listen; });
        });
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(State);
        builder.Services.AddSingleton(Delivery);
        builder.Services.AddSingleton<FakeDaprRuntime>();
        _host = builder.Build();
        _host.MapGrpcService<FakeDaprRuntime>();
        _host.Map("/v1.0/invoke/{appId}/method/{**method}", InvokeAsync);
    }

    public FakeSidecarOptions Options { get; }

    public FakeSidecarState State { get; }

    public SubscriptionDelivery Delivery { get; }

    public string GrpcEndpoint => $"http://127.0.0.1:{GrpcListener!.IPEndPoint!.Port}";

    public string HttpEndpoint => $"http://127.0.0.1:{HttpListener!.IPEndPoint!.Port}";

    private ListenOptions? GrpcListener { get; set; }

    private ListenOptions? HttpListener { get; set; }

    public static async Task<FakeDaprSidecar> StartAsync(FakeSidecarOptions? options = null)
    {
        var sidecar = new FakeDaprSidecar(options ?? new FakeSidecarOptions());
        await sidecar._host.StartAsync();
        return sidecar;
    }

    /// <summary>A <see cref="DaprClient"/> pointed at this sidecar, as an app's would be.</summary>
    public DaprClient CreateClient(string? apiToken = null)
    {
        var builder = new DaprClientBuilder().UseGrpcEndpoint(GrpcEndpoint).UseHttpEndpoint(HttpEndpoint);
        if (apiToken is not null)
        {
            builder.UseDaprApiToken(apiToken);
        }

        return builder.Build();
    }

    /// <summary>Makes <paramref name="appId"/> reachable by service invocation at <paramref name="baseAddress"/>.</summary>
    public void RegisterApp(string appId, Uri baseAddress) => _apps[appId] = baseAddress;

    public async ValueTask DisposeAsync()
    {
        await Delivery.DisposeAsync();
        await _host.StopAsync();
        await _host.DisposeAsync();
        _appClient.Dispose();
        Directory.Delete(_bindingRoot, recursive: true);
    }

    private async Task InvokeAsync(HttpContext context, string appId, string method)
    {
        if (Options.DaprApiToken is not null && context.Request.Headers["dapr-api-token"] != Options.DaprApiToken)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        if (!_apps.TryGetValue(appId, out var app))
        {
            // daprd: ERR_DIRECT_INVOKE when the target app id cannot be resolved.
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsJsonAsync(new { errorCode = "ERR_DIRECT_INVOKE", message = $"failed to resolve address for '{appId}'" });
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(app, method + context.Request.QueryString));
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            forward.Content = new StreamContent(context.Request.Body);
            if (context.Request.ContentType is { } contentType)
            {
                forward.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        // As daprd: the app's own headers go on to the callee; the caller's dapr-api-token (its DAPR_API_TOKEN) stays here, and
        // the callee's sidecar adds its APP_API_TOKEN in that header instead.
        foreach (var (name, values) in context.Request.Headers.Where(h => !NotForwarded.Contains(h.Key)))
        {
            forward.Headers.TryAddWithoutValidation(name, values.ToArray());
        }

        if (Options.AppApiToken is not null)
        {
            forward.Headers.Add("dapr-api-token", Options.AppApiToken);
        }

        using var response = await _appClient.SendAsync(forward, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } responseType)
        {
            context.Response.ContentType = responseType.ToString();
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
