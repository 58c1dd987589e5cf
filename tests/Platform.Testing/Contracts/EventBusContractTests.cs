using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Platform.BuildingBlocks.Messaging;
using Xunit;

namespace Platform.Testing.Contracts;

/// <summary>A running bus for one contract test: its publisher, and what to dispose to stop delivering.</summary>
public sealed class EventBusUnderTest(IEventPublisher publisher, Func<ValueTask> stop) : IAsyncDisposable
{
    public IEventPublisher Publisher { get; } = publisher;

    public ValueTask DisposeAsync() => stop();
}

/// <summary>An <see cref="IEventHandler"/> that records deliveries and answers what its script says for each attempt.</summary>
public sealed class RecordingHandler(string topic, Func<int, DeliveryResult>? script = null) : IEventHandler
{
    private readonly Channel<CloudEvent> _deliveries = Channel.CreateUnbounded<CloudEvent>();
    private readonly ConcurrentQueue<CloudEvent> _all = new();
    private int _attempts;

    public string Topic { get; } = topic;

    public IReadOnlyCollection<CloudEvent> Deliveries => _all;

    public Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempts);
        _all.Enqueue(cloudEvent);
        _deliveries.Writer.TryWrite(cloudEvent);
        return Task.FromResult(script?.Invoke(attempt) ?? DeliveryResult.Success);
    }

    /// <summary>Waits for the next delivery, failing the test after <paramref name="timeout"/>.</summary>
    public async Task<CloudEvent> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _deliveries.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No delivery on topic '{Topic}' within {timeout}.");
        }
    }
}

/// <summary>
/// The behaviour every pub/sub adapter must have: CloudEvent envelope, stable ids, at-least-once with redelivery on
/// <see cref="DeliveryResult.Retry"/>, dead-lettering on <see cref="DeliveryResult.Drop"/> or when retries run out.
/// Derive once per adapter; <see cref="StartAsync"/> starts a bus that delivers to exactly the given handlers.
/// </summary>
public abstract class EventBusContractTests
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    protected abstract Task<EventBusUnderTest> StartAsync(IReadOnlyList<IEventHandler> handlers);

    private static string NewTopic() => "contract-" + Guid.NewGuid().ToString("N")[..8];

    private sealed record Payload(string Name, int Count, double[] Values);

    [Fact]
    public async Task A_published_event_reaches_the_handler_of_its_topic_as_a_CloudEvent()
    {
        var topic = NewTopic();
        var handler = new RecordingHandler(topic);
        var bystander = new RecordingHandler(NewTopic());
        await using var bus = await StartAsync([handler, bystander]);

        var id = await bus.Publisher.PublishAsync(topic, new Payload("price", 3, [1.5, -2]));
        var received = await handler.NextAsync(Timeout);

        Assert.Equal(id, received.Id);
        Assert.Equal(topic, received.Topic);
        Assert.Equal("1.0", received.SpecVersion);
        Assert.Equal($"com.platform.{topic}", received.Type);
        Assert.False(string.IsNullOrEmpty(received.Source));
        var payload = received.DataAs<Payload>();
        Assert.NotNull(payload);
        Assert.Equal("price", payload.Name);
        Assert.Equal(3, payload.Count);
        Assert.Equal([1.5, -2], payload.Values);
        Assert.Empty(bystander.Deliveries);
    }

    [Fact]
    public async Task The_event_id_given_by_the_publisher_is_kept()
    {
        var topic = NewTopic();
        var handler = new RecordingHandler(topic);
        await using var bus = await StartAsync([handler]);

        var id = await bus.Publisher.PublishAsync(topic, new { value = 1 }, eventId: "order-42-estimated");

        Assert.Equal("order-42-estimated", id);
        Assert.Equal("order-42-estimated", (await handler.NextAsync(Timeout)).Id);
    }

    [Fact]
    public async Task Retry_redelivers_the_same_event_until_the_handler_succeeds()
    {
        var topic = NewTopic();
        var handler = new RecordingHandler(topic, attempt => attempt < 3 ? DeliveryResult.Retry : DeliveryResult.Success);
        var deadLetters = new RecordingHandler(Topics.DeadLetter(topic));
        await using var bus = await StartAsync([handler, deadLetters]);

        var id = await bus.Publisher.PublishAsync(topic, new { value = 1 });
        var attempts = new[] { await handler.NextAsync(Timeout), await handler.NextAsync(Timeout), await handler.NextAsync(Timeout) };

        Assert.All(attempts, e => Assert.Equal(id, e.Id));
        await Assert.ThrowsAsync<TimeoutException>(() => deadLetters.NextAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task Drop_sends_the_event_to_the_dead_letter_topic_without_redelivery()
    {
        var topic = NewTopic();
        var handler = new RecordingHandler(topic, _ => DeliveryResult.Drop);
        var deadLetters = new RecordingHandler(Topics.DeadLetter(topic));
        await using var bus = await StartAsync([handler, deadLetters]);

        var id = await bus.Publisher.PublishAsync(topic, new { value = 7 });
        var deadLetter = await deadLetters.NextAsync(Timeout);

        Assert.Equal(id, deadLetter.Id);
        Assert.Equal(7, deadLetter.Data.GetProperty("value").GetInt32());
        Assert.Single(handler.Deliveries);
    }

    [Fact]
    public async Task A_handler_that_keeps_failing_ends_in_the_dead_letter_topic()
    {
        var topic = NewTopic();
        var handler = new ThrowingHandler(topic);
        var deadLetters = new RecordingHandler(Topics.DeadLetter(topic));
        await using var bus = await StartAsync([handler, deadLetters]);

        var id = await bus.Publisher.PublishAsync(topic, new { value = 1 });

        Assert.Equal(id, (await deadLetters.NextAsync(Timeout)).Id);
        Assert.True(handler.Attempts > 1, "an exception is a transient failure: the event is redelivered before dead-lettering");
    }

    private sealed class ThrowingHandler(string topic) : IEventHandler
    {
        private int _attempts;

        public string Topic { get; } = topic;

        public int Attempts => Volatile.Read(ref _attempts);

        public Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            throw new JsonException("simulated handler failure");
        }
    }
}
