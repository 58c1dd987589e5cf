using System.Diagnostics;
using System.Globalization;
using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.Host.Benchmarks;

public sealed record RecommendHistorySettings(string TenantId, int LongHistory = 10_000, int ShortHistory = 10, int Requests = 2_000, int Warmup = 300, int Seed = 42);

public sealed record RecommendHistoryLatency(string UserId, int Posted, int Requests, double P50Milliseconds, double P90Milliseconds, double P99Milliseconds, double MeanMilliseconds);

public sealed record RecommendHistoryResult(RecommendHistoryLatency Long, RecommendHistoryLatency Short)
{
    public string Describe() => string.Join(Environment.NewLine, new[] { Long, Short }.Select(l => string.Create(CultureInfo.InvariantCulture,
        $"user={l.UserId} posted={l.Posted} requests={l.Requests} p50={l.P50Milliseconds:F2}ms p90={l.P90Milliseconds:F2}ms p99={l.P99Milliseconds:F2}ms mean={l.MeanMilliseconds:F2}ms")))
        + Environment.NewLine + string.Create(CultureInfo.InvariantCulture, $"p50 ratio long/short={Long.P50Milliseconds / Short.P50Milliseconds:F2}");
}

/// <summary>
/// Bounded history, shown on a running host: two known users of the tenant (seeded pick) get <see cref="RecommendHistorySettings.LongHistory"/>
/// and <see cref="RecommendHistorySettings.ShortHistory"/> views posted through <c>POST /interactions</c> (fixed event ids and
/// dates, so a rerun stores nothing new), then <c>POST /recommend</c> is timed for both in alternation, one request at a time,
/// so the two users see the same machine at the same moments.
/// </summary>
public static class RecommendHistoryBenchmark
{
    private static readonly DateTimeOffset FirstView = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<RecommendHistoryResult> RunAsync(HttpClient client, RecommendHistorySettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var users = await KnownUsersAsync(client, settings, cancellationToken).ConfigureAwait(false);
        var random = new Random(settings.Seed);
        random.Shuffle(users);
        var (longUser, shortUser) = (users[0], users[1]);

        // Views of properties the host itself indexes, so every posted interaction names a property it knows: the nearest to a
        // fixed direction, which stay the same while the index does (a rerun posts the same events, so it stores nothing new;
        // the user's recommendations would change with the views and make a reused event id name another property).
        var properties = await IndexedPropertiesAsync(client, settings.TenantId, count: 100, cancellationToken).ConfigureAwait(false);
        foreach (var (user, count) in new[] { (longUser, settings.LongHistory), (shortUser, settings.ShortHistory) })
        {
            var stored = await PostViewsAsync(client, settings.TenantId, user, count, properties, cancellationToken).ConfigureAwait(false);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"posted {count:N0} views for {user} ({stored:N0} new)"));
        }

        var latencies = new[] { new List<double>(settings.Requests), new List<double>(settings.Requests) };
        for (var i = -settings.Warmup; i < settings.Requests; i++)
        {
            for (var which = 0; which < 2; which++)
            {
                var started = Stopwatch.GetTimestamp();
                await TwinApiCalls.RecommendAsync(client, settings.TenantId, which == 0 ? longUser : shortUser, topK: 10, filters: null, cancellationToken).ConfigureAwait(false);
                if (i >= 0)
                {
                    latencies[which].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }

        return new RecommendHistoryResult(
            Summarise(longUser, settings.LongHistory, latencies[0]),
            Summarise(shortUser, settings.ShortHistory, latencies[1]));
    }

    private static async Task<string[]> KnownUsersAsync(HttpClient client, RecommendHistorySettings settings, CancellationToken cancellationToken)
    {
        var users = await TwinApiCalls.KnownUsersAsync(client, settings.TenantId, cancellationToken).ConfigureAwait(false);
        if (users.Length < 2)
        {
            throw new InvalidOperationException($"Tenant '{settings.TenantId}' needs at least two users; it has {users.Length}.");
        }

        return users;
    }

    private static async Task<int> PostViewsAsync(HttpClient client, string tenantId, string userId, int count, string[] properties, CancellationToken cancellationToken)
    {
        var views = Enumerable.Range(0, count).Select(i => new InteractionInput
        {
            EventId = string.Create(CultureInfo.InvariantCulture, $"bench-history-{userId}-{i:D6}"),
            UserId = userId,
            PropertyId = properties[i % properties.Length],
            Kind = "view",
            OccurredAt = FirstView.AddMinutes(i),
        });
        var stored = 0;
        foreach (var batch in views.Chunk(1_000))
        {
            var response = await TwinApiCalls.SendAsync<InteractionBatchResponse>(
                client, HttpMethod.Post, "interactions", new InteractionBatchRequest(batch), tenantId, cancellationToken).ConfigureAwait(false);
            stored += response.Stored;
        }

        return stored;
    }

    private static async Task<string[]> IndexedPropertiesAsync(HttpClient client, string tenantId, int count, CancellationToken cancellationToken)
    {
        var direction = new float[16];
        direction[0] = 1;
        var similar = await TwinApiCalls.SendAsync<SimilarResponse>(
            client, HttpMethod.Post, "similar", new SimilarRequest(null, null, direction, count, null), tenantId, cancellationToken).ConfigureAwait(false);
        return [.. similar.Results.Select(r => r.PropertyId)];
    }

    private static RecommendHistoryLatency Summarise(string userId, int posted, List<double> latencies)
    {
        var sorted = latencies.Order().ToArray();
        return new RecommendHistoryLatency(userId, posted, sorted.Length,
            Latencies.Percentile(sorted, 0.50), Latencies.Percentile(sorted, 0.90), Latencies.Percentile(sorted, 0.99), sorted.Average());
    }
}
