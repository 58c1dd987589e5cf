using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.Messaging;

public sealed class InProcessEventBusOptions
{
    /// <summary>Deliveries of one event to one handler before it is dead-lettered.</summary>
    public int MaxDeliveryAttempts { get; set; } = 5;

    /// <summary>Delay before the first redelivery; doubled on every further attempt.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public string Source { get; set; } = "platform";
}

/// <summary>
/// The embedded pub/sub: events are wrapped in the same CloudEvent envelope Dapr uses and delivered to every
/// <see cref="IEventHandler"/> of the topic, at least once, with retries and a dead-letter topic — the handler code is the one
/// a Dapr topic route calls. Events live in memory: unlike Dapr with Redis, a crash loses what was not yet delivered.
/// </summary>
public sealed class InProcessEventBus(
    IServiceProvider services,
    IOptions<InProcessEventBusOptions> options,
    TimeProvider time,
    ILogger<InProcessEventBus> logger) : BackgroundService, IEventPublisher
{
    private readonly Channel<CloudEvent> _queue = Channel.CreateUnbounded<CloudEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly InProcessEventBusOptions _options = options.Value;
    private int _inFlight;
    private IReadOnlyList<IEventHandler>? _handlers;

    public Task<string> PublishAsync<T>(string topic, T data, string? eventId = null, CancellationToken cancellationToken = default)
    {
        var cloudEvent = new CloudEvent
        {
            Id = eventId ?? Guid.NewGuid().ToString("N"),
            Source = _options.Source,
            Type = $"com.platform.{topic}",
            Topic = topic,
            PubSubName = "embedded",
            Time = time.GetUtcNow(),
            Data = JsonSerializer.SerializeToElement(data, JsonSerializerOptions.Web),
        };
        Interlocked.Increment(ref _inFlight);
        _queue.Writer.TryWrite(cloudEvent);
        return Task.FromResult(cloudEvent.Id);
    }

    /// <summary>Waits until every published event has been handled or dead-lettered (tests and graceful shutdown).</summary>
    public async Task WaitUntilIdleAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (Volatile.Read(ref _inFlight) > 0)
        {
            if (time.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"{_inFlight} event deliveries still in flight after {timeout}.");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var cloudEvent in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                var handlers = Handlers().Where(h => h.Topic == cloudEvent.Topic).ToList();
                Interlocked.Add(ref _inFlight, handlers.Count - 1);
                foreach (var handler in handlers)
                {
                    _ = DeliverAsync(handler, cloudEvent, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown; undelivered events go with the process, as documented above.
        }
    }

    private IReadOnlyList<IEventHandler> Handlers() =>
        _handlers ??= [.. (IEnumerable<IEventHandler>?)services.GetService(typeof(IEnumerable<IEventHandler>)) ?? []];

    private async Task DeliverAsync(IEventHandler handler, CloudEvent cloudEvent, CancellationToken stoppingToken)
    {
        try
        {
            var delay = _options.FirstRetryDelay;
            for (var attempt = 1; ; attempt++)
            {
                var result = await TryHandleAsync(handler, cloudEvent, stoppingToken).ConfigureAwait(false);
                if (result == DeliveryResult.Success)
                {
                    return;
                }

                if (result == DeliveryResult.Drop || attempt >= _options.MaxDeliveryAttempts)
                {
                    DeadLetter(handler, cloudEvent, attempt);
                    return;
                }

                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                delay *= 2;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the event is lost with the process, as documented.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<DeliveryResult> TryHandleAsync(IEventHandler handler, CloudEvent cloudEvent, CancellationToken stoppingToken)
    {
        try
        {
            return await handler.HandleAsync(cloudEvent, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(exception, "Handler {Handler} failed on event {EventId} of topic {Topic}", handler.GetType().Name, cloudEvent.Id, cloudEvent.Topic);
            return DeliveryResult.Retry;
        }
    }

    private void DeadLetter(IEventHandler handler, CloudEvent cloudEvent, int attempts)
    {
        logger.LogError("Event {EventId} of topic {Topic} dead-lettered after {Attempts} attempt(s) by {Handler}",
            cloudEvent.Id, cloudEvent.Topic, attempts, handler.GetType().Name);
        if (!cloudEvent.Topic!.EndsWith(Topics.DeadLetter(string.Empty), StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _inFlight);
            _queue.Writer.TryWrite(cloudEvent with { Topic = Topics.DeadLetter(cloudEvent.Topic) });
        }
    }
}
