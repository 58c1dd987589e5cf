using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Platform.Host.Benchmarks;

public sealed record HttpLoadSettings(TimeSpan Duration, int Concurrency, double RequestsPerSecond = 0, TimeSpan? Warmup = null);

/// <summary>What a load run measured; <see cref="RowsPerRequest"/> is set where each request carries several rows (estimate-load).</summary>
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
    public int? RowsPerRequest { get; init; }

    public double RowsPerSecond => RequestsPerSecond * (RowsPerRequest ?? 1);

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{(RowsPerRequest is { } rows ? $"rows/request={rows} " : "")}concurrency={Concurrency} target={(TargetRequestsPerSecond > 0 ? $"{TargetRequestsPerSecond:F0} req/s" : "max")} "
        + $"duration={Seconds:F1}s requests={Requests} errors={Errors} throughput={RequestsPerSecond:F0} req/s{(RowsPerRequest is null ? "" : $" = {RowsPerSecond:F0} rows/s")} "
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

    /// <summary>
    /// Posts the JSON bodies in turn (request n sends <c>bodies[n % bodies.Length]</c>) with <paramref name="headers"/> on each; a
    /// response counts only when it is a success whose body contains <paramref name="expected"/>, so a 200 that did not do the
    /// measured work is an error, not a fast sample.
    /// </summary>
    public static Task<HttpLoadResult> PostJsonAsync(
        HttpClient client, string path, byte[][] bodies, IReadOnlyDictionary<string, string> headers, string expected,
        HttpLoadSettings settings, CancellationToken cancellationToken)
    {
        var marker = Encoding.UTF8.GetBytes(expected);
        return RunAsync(
            (n, token) =>
            {
                var content = new ByteArrayContent(bodies[n % bodies.Length]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return client.SendAsync(Request(HttpMethod.Post, path, headers, content), token);
            },
            (response, payload) => response.IsSuccessStatusCode && payload.AsSpan().IndexOf(marker) >= 0
                ? null
                : $"{(int)response.StatusCode}: {Encoding.UTF8.GetString(payload)}",
            settings,
            cancellationToken);
    }

    /// <summary>A request carrying <paramref name="headers"/> (the caller's credential, the tenant).</summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, IReadOnlyDictionary<string, string>? headers, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        return request;
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
            Latencies.Percentile(all, 0.50), Latencies.Percentile(all, 0.90), Latencies.Percentile(all, 0.99), all.Length == 0 ? 0 : all[^1], firstError);
    }
}
