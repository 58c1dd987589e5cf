using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Platform.Dapr.Tests.FakeSidecar;

/// <summary>One attempt to deliver an event to the app, as the fake sidecar saw it.</summary>
public sealed record DeliveryAttempt(string Topic, string EventId, int HttpStatus, string AppStatus);

/// <summary>
/// Pub/sub delivery the way daprd does it: reads the app's <c>GET /dapr/subscribe</c>, POSTs each event as a structured
/// CloudEvent to the subscribed route, redelivers on RETRY or a failed call (bounded), and sends events that are dropped or
/// out of retries to the subscription's dead-letter topic.
/// </summary>
public sealed class SubscriptionDelivery(FakeSidecarOptions options, HttpClient http) : IAsyncDisposable
{
    private readonly Channel<JsonObject> _queue = Channel.CreateUnbounded<JsonObject>();
    private readonly ConcurrentQueue<DeliveryAttempt> _attempts = new();
    private readonly CancellationTokenSource _stopping = new();
    private IReadOnlyList<Subscription> _subscriptions = [];
    private Uri? _app;
    private Task? _loop;

    public IReadOnlyCollection<DeliveryAttempt> Attempts => _attempts;

    public IReadOnlyList<Subscription> Subscriptions => _subscriptions;

    public sealed record Subscription(string PubSubName, string Topic, string Route, string? DeadLetterTopic);

    /// <summary>Reads the app's subscriptions, as daprd does once the app is up, and starts delivering.</summary>
    public async Task AttachAppAsync(Uri appBaseAddress, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(appBaseAddress, "/dapr/subscribe"));
        AddAppToken(request);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        _subscriptions = [.. JsonNode.Parse(body)!.AsArray().Select(ParseSubscription)];
        _app = appBaseAddress;
        _loop ??= Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Waits until at least <paramref name="count"/> delivery attempts have been answered by the app.</summary>
    public async Task<IReadOnlyList<DeliveryAttempt>> WaitForAttemptsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (_attempts.Count < count)
        {
            await Task.Delay(10, cts.Token);
        }

        return [.. _attempts];
    }

    public void Enqueue(JsonObject cloudEvent) => _queue.Writer.TryWrite(cloudEvent);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _stopping.Dispose();
    }

    private static Subscription ParseSubscription(JsonNode? node)
    {
        var obj = node!.AsObject();
        var route = (string?)obj["route"] ?? (string?)obj["routes"]?["default"]
            ?? throw new InvalidOperationException($"Subscription without a route: {obj.ToJsonString()}");
        // Dapr.AspNetCore writes routes without the leading '/'; daprd joins them to the app's base address either way.
        return new Subscription((string)obj["pubsubName"]!, (string)obj["topic"]!, "/" + route.TrimStart('/'), (string?)obj["deadLetterTopic"]);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var cloudEvent in _queue.Reader.ReadAllAsync(cancellationToken))
        {
            _ = DeliverAsync(cloudEvent, cancellationToken);
        }
    }

    private async Task DeliverAsync(JsonObject cloudEvent, CancellationToken cancellationToken)
    {
        var topic = (string)cloudEvent["topic"]!;
        var subscription = _subscriptions.FirstOrDefault(s => s.PubSubName == (string?)cloudEvent["pubsubname"] && s.Topic == topic);
        if (subscription is null)
        {
            return; // No subscriber: the broker keeps nothing for this app.
        }

        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var status = await PostAsync(subscription, cloudEvent, cancellationToken);
                if (status == "SUCCESS")
                {
                    return;
                }

                if (status == "DROP" || attempt >= options.MaxDeliveryAttempts)
                {
                    if (subscription.DeadLetterTopic is not null)
                    {
                        var deadLetter = cloudEvent.DeepClone().AsObject();
                        deadLetter["topic"] = subscription.DeadLetterTopic;
                        Enqueue(deadLetter);
                    }

                    return;
                }

                await Task.Delay(options.RetryDelay, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<string> PostAsync(Subscription subscription, JsonObject cloudEvent, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_app!, subscription.Route))
        {
            Content = new StringContent(cloudEvent.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json") { CharSet = "utf-8" };
        AddAppToken(request);
        string status;
        int httpStatus;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            httpStatus = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            status = response.IsSuccessStatusCode ? AppStatus(body)
                : response.StatusCode == System.Net.HttpStatusCode.NotFound ? "DROP" // daprd drops on 404: no such route
                : "RETRY";
        }
        catch (HttpRequestException)
        {
            httpStatus = 0;
            status = "RETRY";
        }

        _attempts.Enqueue(new DeliveryAttempt(subscription.Topic, (string)cloudEvent["id"]!, httpStatus, status));
        return status;
    }

    // An empty 2xx body means success; otherwise {"status": "..."}.
    private static string AppStatus(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "SUCCESS";
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("status", out var status) ? status.GetString()!.ToUpperInvariant() : "SUCCESS";
    }

    private void AddAppToken(HttpRequestMessage request)
    {
        if (options.AppApiToken is not null)
        {
            request.Headers.Add("dapr-api-token", options.AppApiToken);
        }
    }
}
