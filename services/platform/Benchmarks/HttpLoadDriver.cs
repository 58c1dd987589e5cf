using System.Diagnostics;
using System.Globalization;

namespace Platform.Host.Benchmarks;

public sealed record HttpLoadSettings(TimeSpan Duration, int Concurrency, double RequestsPerSecond = 0, TimeSpan? Warmup = null);

public sealed record HttpLoadResult(
    int Concurrency,
    double TargetRequestsPerSecond,
    double Seconds,
    long Requests,
    long Errors,
    double RequestsPerSecond,
    double P50Milliseconds,
    double P90Milliseconds,
    double P99Milliseconds,
    double MaxMilliseconds,
    string? FirstError)
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"concurrency={Concurrency} target={(TargetRequestsPerSecond > 0 ? $"{TargetRequestsPerSecond:F0} req/s" : "max")} "
        + $"duration={Seconds:F1}s requests={Requests} errors={Errors} throughput={RequestsPerSecond:F0} req/s "
        + $"latency p50={P50Milliseconds:F2}ms p90={P90Milliseconds:F2}ms p99={P99Milliseconds:F2}ms max={MaxMilliseconds:F2}ms");
}

/// <summary>
/// A closed- or open-loop HTTP load client: keeps <see cref="HttpLoadSettings.Concurrency"/> requests in flight for a fixed
/// time, as fast as possible or paced to a target rate (then latency counts from when a request was due, so a backed-up
/// server cannot hide its queueing). Latency is measured per request from send to fully read response; a response the
/// caller's check rejects counts as an error, not as a latency sample.
/// </summary>
public static class HttpLoadDriver
{
    /// <param name="send">Sends request number n (spread over the workers) and returns its response.</param>
    /// <param name="check">Null when the response is what the benchmark measures, else why not.</param>
    public static async Task<HttpLoadResult> RunAsync(
        Func<long, CancellationToken, Task<HttpResponseMessage>> send,
        Func<HttpResponseMessage, byte[], string?> check,
        HttpLoadSettings settings,
        CancellationToken cancellationToken)
    {
        if (settings.Warmup is { } warmup && warmup > TimeSpan.Zero)
        {
            await DriveAsync(send, check, settings with { Duration = warmup }, cancellationToken).ConfigureAwait(false);
        }

        return await DriveAsync(send, check, settings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A client for one host with a connection per worker and no proxy.</summary>
    public static HttpClient CreateClient(Uri baseAddress, int concurrency) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = concurrency,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        UseProxy = false,
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static async Task<HttpLoadResult> DriveAsync(
        Func<long, CancellationToken, Task<HttpResponseMessage>> send,
        Func<HttpResponseMessage, byte[], string?> check,
        HttpLoadSettings settings,
        CancellationToken cancellationToken)
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

                var start = perRequestTicks > 0 ? Math.Min(due, clock.ElapsedTicks) : clock.ElapsedTicks;
                try
                {
                    using var response = await send(n, cancellationToken).ConfigureAwait(false);
                    var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                    if (check(response, payload) is { } error)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, error, null);
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
        return new HttpLoadResult(
            settings.Concurrency, settings.RequestsPerSecond, seconds, all.LongLength, errors, all.LongLength / seconds,
            Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99), all.Length == 0 ? 0 : all[^1], firstError);
    }

    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
}
