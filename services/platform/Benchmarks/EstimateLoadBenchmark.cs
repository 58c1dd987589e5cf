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
/// A load client for <c>POST /estimate</c>: builds valid rows from the served model's feature ranges (seeded), then drives
/// them through <see cref="HttpLoadDriver"/> — as fast as possible, or paced to a target rate so latency can be read at a
/// fraction of the peak.
/// </summary>
public static class EstimateLoadBenchmark
{
    /// <param name="credential">Headers every request carries (the caller's credential); none when null.</param>
    public static async Task<LoadBenchmarkResult> RunAsync(
        HttpClient client, LoadBenchmarkSettings settings, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? credential = null)
    {
        var bodies = await BuildBodiesAsync(client, settings, credential, cancellationToken).ConfigureAwait(false);
        var load = await HttpLoadDriver.RunAsync(
            (n, token) =>
            {
                var content = new ByteArrayContent(bodies[n % bodies.Length]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return client.SendAsync(WithCredential(new HttpRequestMessage(HttpMethod.Post, "estimate") { Content = content }, credential), token);
            },
            // A 200 whose rows were rejected measured validation, not estimation: count it as an error too.
            (response, payload) => response.IsSuccessStatusCode && payload.AsSpan().IndexOf("\"rejected\":0,"u8) >= 0
                ? null
                : $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(payload)}",
            new HttpLoadSettings(settings.Duration, settings.Concurrency, settings.RequestsPerSecond, settings.Warmup),
            cancellationToken).ConfigureAwait(false);
        return new LoadBenchmarkResult(
            settings.RowsPerRequest, load.Concurrency, load.TargetRequestsPerSecond, load.Seconds, load.Requests, load.Errors,
            load.RequestsPerSecond, load.RequestsPerSecond * settings.RowsPerRequest,
            load.P50Milliseconds, load.P90Milliseconds, load.P99Milliseconds, load.MaxMilliseconds, load.FirstError);
    }

    /// <summary>Request bodies with rows drawn uniformly inside the served model's training ranges and categories.</summary>
    private static HttpRequestMessage WithCredential(HttpRequestMessage request, IReadOnlyDictionary<string, string>? credential)
    {
        foreach (var (name, value) in credential ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        return request;
    }

    private static async Task<byte[][]> BuildBodiesAsync(
        HttpClient client, LoadBenchmarkSettings settings, IReadOnlyDictionary<string, string>? credential, CancellationToken cancellationToken)
    {
        using var info = await client.SendAsync(WithCredential(new HttpRequestMessage(HttpMethod.Get, "model/info"), credential), cancellationToken).ConfigureAwait(false);
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
}
