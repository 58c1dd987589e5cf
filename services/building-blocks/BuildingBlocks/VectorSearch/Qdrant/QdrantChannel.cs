using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace Platform.BuildingBlocks.VectorSearch.Qdrant;

/// <summary>
/// The one long-lived <see cref="QdrantClient"/> of the process: an HTTP/2 channel to Qdrant's gRPC port with an interceptor
/// that puts the api key and a deadline on every call (the client itself retries nothing; see <see cref="QdrantCalls"/>).
/// </summary>
public sealed class QdrantChannel : IDisposable
{
    private readonly GrpcChannel _channel;

    public QdrantChannel(QdrantOptions options, HttpMessageHandler? handler = null)
    {
        _channel = GrpcChannel.ForAddress(options.Url, new GrpcChannelOptions
        {
            HttpHandler = handler ?? new SocketsHttpHandler
            {
                // Several HTTP/2 connections under load, and pings so a dead connection is noticed before a call waits on it.
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            },
            DisposeHttpClient = true,
        });
        var invoker = _channel.Intercept(new ApiKeyAndDeadlineInterceptor(options.ApiKey, options.Timeout));
        Client = new QdrantClient(new QdrantGrpcClient(invoker), options.Timeout);
    }

    public QdrantClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        _channel.Dispose();
    }

    /// <summary>Adds <c>api-key</c> (when configured) and a deadline (unless the call has one) to every unary call.</summary>
    private sealed class ApiKeyAndDeadlineInterceptor(string? apiKey, TimeSpan timeout) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            var options = context.Options;
            var headers = options.Headers ?? [];
            if (!string.IsNullOrEmpty(apiKey) && headers.Get("api-key") is null)
            {
                headers.Add("api-key", apiKey);
            }

            options = options.WithHeaders(headers);
            if (options.Deadline is null)
            {
                options = options.WithDeadline(DateTime.UtcNow + timeout);
            }

            return continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options));
        }
    }
}
