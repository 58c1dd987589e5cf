using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Host.Benchmarks;

/// <summary>What <c>estimate-load</c> sends: how many rows a request prices, and the seed of the generated rows.</summary>
public sealed record EstimateLoadSettings(int RowsPerRequest = 1, int Seed = 42);

/// <summary>
/// A load client for <c>POST /estimate</c>: builds valid rows from the served model's feature ranges (seeded), then drives
/// them through <see cref="HttpLoadDriver"/> — as fast as possible, or paced to a target rate so latency can be read at a
/// fraction of the peak.
/// </summary>
public static class EstimateLoadBenchmark
{
    /// <param name="credential">Headers every request carries (the caller's credential); none when null.</param>
    public static async Task<HttpLoadResult> RunAsync(
        HttpClient client, EstimateLoadSettings estimate, HttpLoadSettings load, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? credential = null)
    {
        var bodies = await BuildBodiesAsync(client, estimate, credential, cancellationToken).ConfigureAwait(false);
        // A 200 whose rows were rejected measured validation, not estimation: it counts as an error too.
        var result = await HttpLoadDriver.PostJsonAsync(
            client, "estimate", bodies, credential ?? new Dictionary<string, string>(), "\"rejected\":0,", load, cancellationToken).ConfigureAwait(false);
        return result with { RowsPerRequest = estimate.RowsPerRequest };
    }

    /// <summary>Request bodies with rows drawn uniformly inside the served model's training ranges and categories.</summary>
    private static async Task<byte[][]> BuildBodiesAsync(
        HttpClient client, EstimateLoadSettings settings, IReadOnlyDictionary<string, string>? credential, CancellationToken cancellationToken)
    {
        using var info = await client.SendAsync(HttpLoadDriver.Request(HttpMethod.Get, "model/info", credential), cancellationToken).ConfigureAwait(false);
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
