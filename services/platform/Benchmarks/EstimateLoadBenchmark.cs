using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Host.Benchmarks;

public sealed record LoadBenchmarkSettings(
    TimeSpan Duration,
    int Concurrency,
    int RowsPerRequest,
    double RequestsPerSecond = 0,
    int Seed = 42,
    TimeSpan? Warmup = null);

public sealed record LoadBenchmarkResult(
    int RowsPerRequest,
    int Concurrency,
    double TargetRequestsPerSecond,
    double Seconds,
    long Requests,
    long Errors,
    double RequestsPerSecond,
    double RowsPerSecond,
    double P50Milliseconds,
    double P90Milliseconds,
    double P99Milliseconds,
    double MaxMilliseconds,
    string? FirstError)
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"rows/request={RowsPerRequest} concurrency={Concurrency} target={(TargetRequestsPerSecond > 0 ? $"{TargetRequestsPerSecond:F0} req/s" : "max")} "
        + $"duration={Seconds:F1}s requests={Requests} errors={Errors} throughput={RequestsPerSecond:F0} req/s = {RowsPerSecond:F0} rows/s "
        + $"latency p50={P50Milliseconds:F2}ms p90={P90Milliseconds:F2}ms p99={P99Milliseconds:F2}ms max={MaxMilliseconds:F2}ms");
}

/// <summary>
/// A load client for <c>POST /estimate</c>: builds valid rows from the served model's feature ranges (seeded), then keeps
/// <c>Concurrency</c> requests in flight for a fixed time — as fast as possible, or paced to a target rate so latency can
/// be read at a fraction of the peak. Latency is measured per request from send to fully read response.
/// </summary>
public static class EstimateLoadBenchmark
{
    public static async Task<LoadBenchmarkResult> RunAsync(HttpClient client, LoadBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var bodies = await BuildBodiesAsync(client, settings, cancellationToken).ConfigureAwait(false);

        if (settings.Warmup is { } warmup && warmup > TimeSpan.Zero)
        {
            await DriveAsync(client, bodies, settings with { Duration = warmup }, cancellationToken).ConfigureAwait(false);
        }

        return await DriveAsync(client, bodies, settings, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<LoadBenchmarkResult> DriveAsync(HttpClient client, byte[][] bodies, LoadBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var latencies = new List<double>[settings.Concurrency];
        long errors = 0;
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        var durationTicks = (long)(settings.Duration.TotalSeconds * Stopwatch.Frequency);
        // Paced mode: request n is due at n / rate seconds, shared by all workers (open-loop schedule).
        var perRequestTicks = settings.RequestsPerSecond > 0 ? Stopwatch.Frequency / settings.RequestsPerSecond : 0;
        long issued = -1;

        var workers = Enumerable.Range(0, settings.Concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = new List<double>(4096);
            var next = worker;
            while (true)
            {
                var n = Interlocked.Increment(ref issued);
                long due = 0;
                if (perRequestTicks > 0)
                {
                    due = (long)(n * perRequestTicks);
                    if (due >= durationTicks)
                    {
                        return;
                    }

                    var wait = due - clock.ElapsedTicks;
                    if (wait > 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
                    }
                }
                else if (clock.ElapsedTicks >= durationTicks)
                {
                    return;
                }

                var body = bodies[next % bodies.Length];
                next += settings.Concurrency;
                // Latency counts from when the request was due, so a backed-up server cannot hide its queueing (no coordinated omission).
                var start = perRequestTicks > 0 ? Math.Min(due, clock.ElapsedTicks) : clock.ElapsedTicks;
                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    using var response = await client.PostAsync("estimate", content, cancellationToken).ConfigureAwait(false);
                    var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                    // A 200 whose rows were rejected measured validation, not estimation: count it as an error too.
                    if (!response.IsSuccessStatusCode || payload.AsSpan().IndexOf("\"rejected\":0,"u8) < 0)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(payload)}", null);
                        continue;
                    }
                }
                catch (HttpRequestException exception)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, exception.Message, null);
                    continue;
                }

                mine.Add((clock.ElapsedTicks - start) * 1000.0 / Stopwatch.Frequency);
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        var seconds = Math.Max(clock.Elapsed.TotalSeconds, settings.Duration.TotalSeconds);

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        var requests = all.LongLength;
        return new LoadBenchmarkResult(
            settings.RowsPerRequest, settings.Concurrency, settings.RequestsPerSecond, seconds, requests, errors,
            requests / seconds, requests * settings.RowsPerRequest / seconds,
            Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99), all.Length == 0 ? 0 : all[^1], firstError);
    }

    /// <summary>Request bodies with rows drawn uniformly inside the served model's training ranges and categories.</summary>
    private static async Task<byte[][]> BuildBodiesAsync(HttpClient client, LoadBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        using var info = await client.GetAsync("model/info", cancellationToken).ConfigureAwait(false);
        var text = await info.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!info.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET model/info answered {(int)info.StatusCode}: {text}");
        }

        using var document = JsonDocument.Parse(text);
        var features = document.RootElement.GetProperty("features").EnumerateArray().ToList();
        var random = new Random(settings.Seed);
        var bodies = new byte[64][];
        var rowNumber = 0;
        for (var b = 0; b < bodies.Length; b++)
        {
            var rows = new JsonArray();
            for (var r = 0; r < settings.RowsPerRequest; r++)
            {
                var row = new JsonObject { ["property_id"] = $"load-{rowNumber++}" };
                foreach (var feature in features)
                {
                    var name = feature.GetProperty("name").GetString()!;
                    if (feature.GetProperty("kind").GetString() == "numeric")
                    {
                        var min = feature.TryGetProperty("min", out var lo) ? lo.GetDouble() : 0;
                        var max = feature.TryGetProperty("max", out var hi) ? hi.GetDouble() : min;
                        row[name] = Math.Round(min + random.NextDouble() * (max - min), 4);
                    }
                    else if (feature.TryGetProperty("categories", out var categories) && categories.GetArrayLength() > 0)
                    {
                        row[name] = categories[random.Next(categories.GetArrayLength())].GetString();
                    }
                }

                rows.Add(row);
            }

            bodies[b] = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["properties"] = rows });
        }

        return bodies;
    }

    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
}
