using System.Collections.Concurrent;
using System.Net;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Platform.Testing.Qdrant;

/// <summary>
/// An in-process Qdrant that speaks the real gRPC protocol (services <c>qdrant.Qdrant</c>, <c>qdrant.Collections</c>,
/// <c>qdrant.Points</c>) on a loopback HTTP/2 port, so the official <c>QdrantClient</c> runs against it unchanged. The
/// methods are bound with hand-made <see cref="Method{TRequest,TResponse}"/> descriptors over Qdrant.Client's public
/// message types (the package ships no server base classes). Semantics follow Qdrant's documentation: see
/// <see cref="FakeQdrantStore"/>. Faults (a status for the next calls of a method, a delay) can be injected, and every call is
/// recorded with whether it carried a deadline.
/// </summary>
public sealed class FakeQdrantServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeQdrantServer(WebApplication app, FakeQdrantStore store, FakeQdrantBehaviour behaviour, string url)
    {
        _app = app;
        Store = store;
        Behaviour = behaviour;
        Url = url;
    }

    /// <summary>The gRPC address, e.g. http://127.0.0.1:40123 (plain-text HTTP/2).</summary>
    public string Url { get; }

    public FakeQdrantStore Store { get; }

    public FakeQdrantBehaviour Behaviour { get; }

    /// <param name="apiKey">When set, every call must carry it in the <c>api-key</c> header (Unauthenticated otherwise).</param>
    public static async Task<FakeQdrantServer> StartAsync(string? apiKey = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var store = new FakeQdrantStore();
        var behaviour = new FakeQdrantBehaviour(apiKey);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(behaviour);
        builder.Services.AddGrpc(options => options.MaxReceiveMessageSize = 64 * 1024 * 1024);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<FakeQdrantService>, FakeQdrantMethods>());
        var app = builder.Build();
        app.MapGrpcService<FakeQdrantService>();
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FakeQdrantServer(app, store, behaviour, address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Injected faults and the call log.</summary>
public sealed class FakeQdrantBehaviour(string? apiKey)
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<StatusCode>> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> _delays = new(StringComparer.Ordinal);

    public string? ApiKey { get; } = apiKey;

    /// <summary>Every call received: full method name (e.g. <c>/qdrant.Points/Query</c>) and whether it had a deadline.</summary>
    public ConcurrentQueue<(string Method, bool HadDeadline)> Calls { get; } = new();

    /// <summary>The next <paramref name="times"/> calls of <paramref name="method"/> (e.g. <c>Query</c>) fail with <paramref name="status"/>.</summary>
    public void FailNext(string method, StatusCode status, int times = 1)
    {
        var queue = _faults.GetOrAdd(method, _ => new ConcurrentQueue<StatusCode>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(status);
        }
    }

    /// <summary>Every call of <paramref name="method"/> waits this long before it is served (TimeSpan.Zero to stop).</summary>
    public void Delay(string method, TimeSpan delay) => _delays[method] = delay;

    public int CallsOf(string method) => Calls.Count(c => c.Method.EndsWith("/" + method, StringComparison.Ordinal));

    internal async Task BeforeAsync(ServerCallContext context)
    {
        Calls.Enqueue((context.Method, context.Deadline < DateTime.MaxValue));
        if (ApiKey is not null && context.RequestHeaders.GetValue("api-key") != ApiKey)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Must provide an API key or an Authorization bearer token"));
        }

        var name = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        if (_delays.TryGetValue(name, out var delay) && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, context.CancellationToken).ConfigureAwait(false);
        }

        if (_faults.TryGetValue(name, out var queue) && queue.TryDequeue(out var status))
        {
            throw new RpcException(new Status(status, $"injected {status} for {name}"));
        }
    }
}
