using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Messaging;

namespace Platform.Dashboard.Live;

/// <summary>One streamed estimate as the Live page shows it; <see cref="ActualPrice"/> when the request carried one.</summary>
public sealed record LiveEstimate(
    string EventId, DateTimeOffset ReceivedAt, string? RequestId, string? PropertyId, string Status, double? Estimate, double? Low, double? High,
    int? ModelVersion, double? ActualPrice, string? Problem)
{
    /// <summary>The tenant whose request this answered; only that tenant's signed-in users see it.</summary>
    public string? TenantId { get; init; }

    /// <summary>Relative error of the estimate against the actual price, in percent.</summary>
    public double? ErrorPercent => Estimate is { } e && ActualPrice is { } a && a > 0 ? 100.0 * (e - a) / a : null;
}

/// <summary>
/// The dashboard's subscription to the streaming-estimates topics: results from <see cref="Topics.Estimates"/> fan out to every
/// open Live page; the actual prices some requests on <see cref="Topics.EstimateRequests"/> carry (<c>actual_price</c> per row)
/// are remembered so the page can chart the error. A bounded history serves pages opened later and the running chart.
/// Each tenant's requests are priced by its own model, so a signed-in user sees only the estimates of its own tenant.
/// </summary>
public sealed class EstimatesFeed(IOptions<DashboardOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<LiveEstimate> _history = new();
    private readonly HashSet<string> _seenEvents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Channel<LiveEstimate>, byte> _subscribers = new();
    private readonly ConcurrentDictionary<string, double?[]> _actualPrices = new(StringComparer.Ordinal);

    public IReadOnlyList<LiveEstimate> History(string tenantId)
    {
        lock (_gate)
        {
            return [.. _history.Where(e => e.TenantId == tenantId)];
        }
    }

    /// <summary>
    /// Estimates from now on, until <paramref name="ct"/> ends (the page closes). The first item is null: it says the
    /// subscription is in place, so nothing published after the page saw it can be missed.
    /// </summary>
    public async IAsyncEnumerable<LiveEstimate?> SubscribeAsync(string tenantId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<LiveEstimate>(new BoundedChannelOptions(1_000) { FullMode = BoundedChannelFullMode.DropOldest });
        _subscribers[channel] = 0;
        try
        {
            yield return null;
            await foreach (var estimate in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (estimate.TenantId == tenantId)
                {
                    yield return estimate;
                }
            }
        }
        finally
        {
            _subscribers.TryRemove(channel, out _);
        }
    }

    internal void RememberActualPrices(string requestEventId, JsonElement data)
    {
        if (!data.TryGetProperty("properties", out var rows) || rows.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var prices = rows.EnumerateArray()
            .Select(row => row.ValueKind == JsonValueKind.Object && row.TryGetProperty("actual_price", out var p) && p.ValueKind == JsonValueKind.Number
                ? p.GetDouble()
                : (double?)null)
            .ToArray();
        if (prices.Any(p => p is not null))
        {
            _actualPrices[requestEventId] = prices;
        }
    }

    internal void Publish(CloudEvent cloudEvent)
    {
        var data = cloudEvent.Data;
        if (!data.TryGetProperty("response", out var response) || !response.TryGetProperty("results", out var results))
        {
            return;
        }

        var requestEventId = data.TryGetProperty("request_event_id", out var r) ? r.GetString() : null;
        var requestId = data.TryGetProperty("request_id", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString() : null;
        var tenantId = Text(data, "tenant_id");
        double?[] actual = requestEventId is not null && _actualPrices.TryRemove(requestEventId, out var known) ? known : [];
        var now = time.GetUtcNow();
        var estimates = results.EnumerateArray().Select(row =>
        {
            var index = Int(row, "index") ?? 0;
            return new LiveEstimate(
                $"{cloudEvent.Id}:{index}", now, requestId, Text(row, "property_id"), Text(row, "status") ?? "?",
                Number(row, "estimate"), Number(row, "low"), Number(row, "high"), Int(row, "model_version"),
                index < actual.Length ? actual[index] : null,
                row.TryGetProperty("problem", out var problem) ? Text(problem, "detail") : null)
            {
                TenantId = tenantId,
            };
        }).ToList();

        lock (_gate)
        {
            // At-least-once delivery: a redelivered event must not count twice.
            if (!_seenEvents.Add(cloudEvent.Id))
            {
                return;
            }

            foreach (var estimate in estimates)
            {
                _history.AddLast(estimate);
                while (_history.Count > options.Value.LiveHistory)
                {
                    _history.RemoveFirst();
                }
            }

            if (_seenEvents.Count > 10 * options.Value.LiveHistory)
            {
                _seenEvents.Clear();
            }
        }

        foreach (var subscriber in _subscribers.Keys)
        {
            foreach (var estimate in estimates)
            {
                subscriber.Writer.TryWrite(estimate);
            }
        }
    }

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static int? Int(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
}

/// <summary>Subscription to <see cref="Topics.Estimates"/> (embedded bus or a Dapr topic route, same code).</summary>
public sealed class LiveEstimatesHandler(EstimatesFeed feed) : IEventHandler
{
    public string Topic => Topics.Estimates;

    public Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        feed.Publish(cloudEvent);
        return Task.FromResult(DeliveryResult.Success);
    }
}

/// <summary>Subscription to <see cref="Topics.EstimateRequests"/>: only notes the actual prices rows carry.</summary>
public sealed class LiveEstimateRequestsHandler(EstimatesFeed feed) : IEventHandler
{
    public string Topic => Topics.EstimateRequests;

    public Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        feed.RememberActualPrices(cloudEvent.Id, cloudEvent.Data);
        return Task.FromResult(DeliveryResult.Success);
    }
}
