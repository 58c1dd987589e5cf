using Grpc.Core;
using Polly;
using Polly.Retry;

namespace Platform.BuildingBlocks.VectorSearch.Qdrant;

/// <summary>
/// Runs Qdrant calls with retries and turns gRPC failures into the port's exceptions. Idempotent calls (reads, upserts of
/// fixed ids, deletes) are retried with exponential backoff on Unavailable and DeadlineExceeded; others only on Unavailable,
/// which Qdrant answers before doing anything.
/// </summary>
public sealed class QdrantCalls
{
    private readonly ResiliencePipeline _idempotent;
    private readonly ResiliencePipeline _other;
    private readonly QdrantOptions _options;

    public QdrantCalls(QdrantOptions options, TimeProvider? time = null)
    {
        _options = options;
        _idempotent = Pipeline(options, s => s is StatusCode.Unavailable or StatusCode.DeadlineExceeded, time);
        _other = Pipeline(options, s => s is StatusCode.Unavailable, time);
    }

    public async Task<T> RunAsync<T>(string operation, bool idempotent, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await (idempotent ? _idempotent : _other).ExecuteAsync(async token => await call(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
        {
            throw new TimeoutException($"Qdrant did not answer {operation} within its deadline of {_options.Timeout.TotalMilliseconds:F0} ms (VectorIndex:Qdrant:Timeout).", e);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            throw new VectorIndexUnavailableException($"Qdrant at {_options.Url} is unavailable for {operation}: {e.Status.Detail}", e);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            throw new InvalidOperationException($"Qdrant refused {operation}: check VectorIndex:Qdrant:ApiKey ({e.Status.Detail}).", e);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // A collection or alias that is gone (a version past its grace period), or a point a query named.
            throw new InvalidOperationException($"Qdrant found nothing for {operation}: {e.Status.Detail}", e);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    public async Task RunAsync(string operation, bool idempotent, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        await RunAsync(operation, idempotent, async token =>
        {
            await call(token).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    private static ResiliencePipeline Pipeline(QdrantOptions options, Func<StatusCode, bool> transient, TimeProvider? time)
    {
        var builder = new ResiliencePipelineBuilder();
        if (time is not null)
        {
            builder.TimeProvider = time;
        }

        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => transient(e.StatusCode)),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
            });
        }

        return builder.Build();
    }
}
