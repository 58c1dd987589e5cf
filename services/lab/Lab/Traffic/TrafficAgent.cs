using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Lab.Scenarios;
using Platform.MarketData.Domain;

namespace Platform.Lab.Traffic;

/// <summary>
/// Open-loop load: requests are scheduled at the phase's target rate and sent at their intended time whether or not earlier
/// ones have answered. Latency is measured from the intended time, so a slow server (or a full client) shows up in the
/// percentiles instead of silently lowering the rate (no coordinated omission).
/// </summary>
public sealed class TrafficAgent(PlatformClient client, LabMarket market, DriftAgent drift, RunRecorder recorder, int seed)
{
    private static readonly IReadOnlyDictionary<string, double> BaselineKinds =
        new Dictionary<string, double> { ["view"] = 0.76, ["like"] = 0.12, ["dislike"] = 0.08, ["outreach"] = 0.035, ["deal"] = 0.005 };

    private readonly Random _random = new(seed);
    private readonly Lock _randomGate = new();
    private readonly ConcurrentBag<Task> _inFlight = [];
    private long _eventSequence;
    private readonly string _runId = DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-" + seed.ToString(CultureInfo.InvariantCulture);

    /// <summary>Every interaction sent, by event id, with whether the platform acknowledged it (200).</summary>
    public ConcurrentDictionary<string, (JsonObject Body, bool Acknowledged)> Interactions { get; } = new(StringComparer.Ordinal);

    public string RunId => _runId;

    /// <summary>Runs one phase's traffic from <paramref name="phaseStart"/> (on the run clock) until its end; returns when all its requests answered.</summary>
    public async Task RunPhaseAsync(TrafficSpec traffic, TimeSpan duration, Stopwatch clock, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(traffic.MaxInFlight);
        var phaseStart = clock.Elapsed;
        var routes = traffic.Mix.Where(m => m.Value > 0).ToArray();
        var totalWeight = routes.Sum(r => r.Value);
        var next = TimeSpan.Zero;
        while (next < duration && !cancellationToken.IsCancellationRequested)
        {
            var rate = traffic.RateAt(next, duration);
            if (rate <= 0)
            {
                next += TimeSpan.FromMilliseconds(10);
                continue;
            }

            var wait = phaseStart + next - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            var route = Pick(routes, totalWeight);
            _inFlight.Add(SendAsync(route, traffic, phaseStart + next, clock, slots, cancellationToken));
            next += TimeSpan.FromSeconds(1 / rate);
        }

        await Task.WhenAll(_inFlight).ConfigureAwait(false);
        _inFlight.Clear();
    }

    private string Pick(KeyValuePair<string, double>[] routes, double totalWeight)
    {
        double draw;
        lock (_randomGate)
        {
            draw = _random.NextDouble() * totalWeight;
        }

        foreach (var (route, weight) in routes)
        {
            draw -= weight;
            if (draw <= 0)
            {
                return route;
            }
        }

        return routes[^1].Key;
    }

    private async Task SendAsync(string route, TrafficSpec traffic, TimeSpan intendedAt, Stopwatch clock, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        var (request, truths, interactions) = Build(route, traffic);
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var status = 0;
        var problem = false;
        var retryAfter = false;
        string? alias = null;
        int? version = null;
        List<double>? apes = null;
        try
        {
            // Traffic acts for the tenant: its key when the lab has one (WithApiKey sends the admin key instead, for platform-wide routes).
            if ((traffic.WithApiKey ? client.ApiKey : client.TenantKey) is { } key)
            {
                request.Headers.Add("X-Api-Key", key);
            }

            using var response = await client.Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            status = (int)response.StatusCode;
            problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
            retryAfter = response.Headers.RetryAfter is not null;
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (status == 200 && truths is not null)
            {
                (alias, version, apes) = ReadEstimates(body, truths);
            }

            if (interactions is not null)
            {
                foreach (var interaction in interactions)
                {
                    Interactions[(string)interaction["event_id"]!] = (interaction, status == 200);
                }
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            status = 0;
        }
        finally
        {
            slots.Release();
            request.Dispose();
        }

        var latency = clock.Elapsed - intendedAt;
        recorder.Record(new Sample(route, intendedAt, (long)latency.TotalMicroseconds, status, problem, retryAfter, alias, version, apes));
    }

    private (HttpRequestMessage Request, double[]? Truths, List<JsonObject>? Interactions) Build(string route, TrafficSpec traffic)
    {
        lock (_randomGate)
        {
            switch (route)
            {
                case Routes.Estimate:
                case Routes.EstimateBatch:
                    var rows = route == Routes.Estimate ? 1 : traffic.BatchSize;
                    var properties = new JsonArray();
                    var truths = new double[rows];
                    for (var i = 0; i < rows; i++)
                    {
                        var property = drift.Apply(market.Properties[_random.Next(market.Properties.Count)], _random);
                        properties.Add(EstimateRow(property, market.ValuationDate));
                        truths[i] = market.TrueValue(property, market.ValuationDate);
                    }

                    return (Post("/estimate", new JsonObject { ["properties"] = properties }), truths, null);
                case Routes.Recommend:
                    return (Post("/recommend", new JsonObject { ["user_id"] = RandomUser(), ["top_k"] = 10 }), null, null);
                case Routes.Predict:
                    var features = drift.Apply(market.Properties[_random.Next(market.Properties.Count)], _random);
                    return (Post("/predict", new JsonObject { ["user_id"] = RandomUser(), ["property_features"] = PredictFeatures(features) }), null, null);
                case Routes.Interactions:
                    var batch = new List<JsonObject>();
                    for (var i = 0; i < Math.Min(traffic.BatchSize, 5); i++)
                    {
                        batch.Add(new JsonObject
                        {
                            ["event_id"] = $"lab-{_runId}-{Interlocked.Increment(ref _eventSequence):D8}",
                            ["user_id"] = RandomUser(),
                            ["property_id"] = market.Properties[_random.Next(market.Properties.Count)].PropertyId,
                            ["kind"] = drift.InteractionKind(BaselineKinds, _random),
                        });
                    }

                    return (Post("/interactions", new JsonObject { ["interactions"] = new JsonArray([.. batch.Select(b => b.DeepClone())]) }), null, batch);
                default:
                    return (new HttpRequestMessage(HttpMethod.Get, "/registry/price/aliases"), null, null);
            }
        }
    }

    private string RandomUser() => market.Users[_random.Next(market.Users.Count)];

    private static HttpRequestMessage Post(string path, JsonObject body) => new(HttpMethod.Post, path) { Content = JsonContent.Create(body) };

    public static JsonObject EstimateRow(Property property, DateOnly date)
    {
        var row = new JsonObject
        {
            ["property_id"] = property.PropertyId,
            ["property_type"] = property.PropertyType,
            ["municipality"] = property.Municipality,
            ["latitude"] = property.Latitude,
            ["longitude"] = property.Longitude,
            ["usable_area"] = property.UsableArea,
            ["total_area"] = property.TotalArea,
            ["rooms"] = property.Rooms,
            ["bedrooms"] = property.Bedrooms,
            ["bathrooms"] = property.Bathrooms,
            ["year_built"] = property.YearBuilt,
            ["condition"] = property.Condition,
            ["sold_at"] = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        if (property.Floor is { } floor)
        {
            row["floor"] = floor;
        }

        return row;
    }

    private static JsonObject PredictFeatures(Property property) => new()
    {
        ["property_id"] = property.PropertyId,
        ["property_type"] = property.PropertyType,
        ["municipality"] = property.Municipality,
        ["latitude"] = property.Latitude,
        ["longitude"] = property.Longitude,
        ["usable_area"] = property.UsableArea,
        ["bedrooms"] = property.Bedrooms,
        ["bathrooms"] = property.Bathrooms,
        ["year_built"] = property.YearBuilt,
        ["condition"] = property.Condition,
        ["listing_price"] = property.ListingPrice,
    };

    /// <summary>The serving alias and version of an estimate response and each row's |estimate / truth − 1|.</summary>
    private static (string? Alias, int? Version, List<double>? Apes) ReadEstimates(string body, double[] truths)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var alias = root.TryGetProperty("alias", out var a) ? a.GetString() : null;
            int? version = root.TryGetProperty("model_version", out var v) ? v.GetInt32() : null;
            var apes = new List<double>(truths.Length);
            var i = 0;
            foreach (var row in root.GetProperty("results").EnumerateArray())
            {
                if (i < truths.Length && row.TryGetProperty("estimate", out var estimate))
                {
                    apes.Add(Math.Abs(estimate.GetDouble() / truths[i] - 1));
                }

                i++;
            }

            return (alias, version, apes);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return (null, null, null);
        }
    }

    /// <summary>
    /// Re-sends every interaction of the run with its original event id (as a client retrying would) and reports what the
    /// platform stored anew and what it already had: acknowledged ones must all be duplicates (none lost).
    /// </summary>
    public async Task<InteractionAudit> AuditInteractionsAsync(CancellationToken cancellationToken)
    {
        var acknowledged = Interactions.Where(i => i.Value.Acknowledged).Select(i => i.Value.Body).ToList();
        var unacknowledged = Interactions.Where(i => !i.Value.Acknowledged).Select(i => i.Value.Body).ToList();
        var (ackStored, ackDuplicates) = await ResendAsync(acknowledged, cancellationToken).ConfigureAwait(false);
        var (retryStored, retryDuplicates) = await ResendAsync(unacknowledged, cancellationToken).ConfigureAwait(false);
        // A second pass over everything: each event is now present exactly once, so nothing may be stored again.
        var (finalStored, finalDuplicates) = await ResendAsync([.. acknowledged, .. unacknowledged], cancellationToken).ConfigureAwait(false);
        return new InteractionAudit(Interactions.Count, acknowledged.Count, ackStored, ackDuplicates, unacknowledged.Count, retryStored, retryDuplicates,
            finalStored, finalDuplicates);
    }

    private async Task<(int Stored, int Duplicates)> ResendAsync(List<JsonObject> interactions, CancellationToken cancellationToken)
    {
        var stored = 0;
        var duplicates = 0;
        foreach (var chunk in interactions.Chunk(200))
        {
            var body = new JsonObject { ["interactions"] = new JsonArray([.. chunk.Select(c => c.DeepClone())]) };
            var answer = await client.SendJsonAsync(HttpMethod.Post, "/interactions", body, cancellationToken, admin: false).ConfigureAwait(false);
            stored += answer?["stored"]?.GetValue<int>() ?? 0;
            duplicates += answer?["duplicates"]?.GetValue<int>() ?? 0;
        }

        return (stored, duplicates);
    }
}

/// <summary>What re-sending the run's interactions showed.</summary>
public sealed record InteractionAudit(
    int Sent,
    int Acknowledged,
    int AcknowledgedStoredAgain,
    int AcknowledgedDuplicates,
    int Unacknowledged,
    int RetriedStored,
    int RetriedDuplicates,
    int FinalStored,
    int FinalDuplicates)
{
    /// <summary>No acknowledged interaction was lost, and after the retry every one is stored exactly once.</summary>
    public bool ExactlyOnce => AcknowledgedStoredAgain == 0 && AcknowledgedDuplicates == Acknowledged && FinalStored == 0 && FinalDuplicates == Sent;
}
