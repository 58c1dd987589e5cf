using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.Dashboard.Monitoring;

/// <summary>Requests, rate and latency percentiles of one route, read from the host's Prometheus histogram.</summary>
public sealed record RouteStatistics(string Method, string Route, long Requests, double? RatePerSecond, double P50Ms, double P95Ms, double P99Ms, long Errors);

/// <summary>
/// Reads <c>http_server_request_duration_seconds</c> from <c>GET /metrics/prometheus</c> (the text exposition format, for which
/// .NET has no reader) into per-route counts and percentiles; the rate is the change since the previous reading.
/// </summary>
public sealed partial class RequestStatistics(TimeProvider time)
{
    private const string Metric = "http_server_request_duration_seconds";
    private readonly Lock _gate = new();
    private (DateTimeOffset At, Dictionary<string, long> Counts)? _previous;

    public IReadOnlyList<RouteStatistics> Read(string prometheusText)
    {
        var buckets = new Dictionary<(string Method, string Route), SortedDictionary<double, long>>();
        var errors = new Dictionary<(string, string), long>();
        foreach (var line in prometheusText.Split('\n'))
        {
            var match = SampleLine().Match(line);
            if (!match.Success || match.Groups["name"].Value != Metric + "_bucket")
            {
                continue;
            }

            var labels = Labels(match.Groups["labels"].Value);
            if (!labels.TryGetValue("http_route", out var route) || !labels.TryGetValue("le", out var le))
            {
                continue;
            }

            var method = labels.GetValueOrDefault("http_request_method", "?");
            var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
            var count = (long)double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            var key = (method, route);
            var histogram = buckets.TryGetValue(key, out var h) ? h : buckets[key] = new SortedDictionary<double, long>();
            histogram[bound] = histogram.GetValueOrDefault(bound) + count;
            if (bound == double.PositiveInfinity && labels.TryGetValue("http_response_status_code", out var status) && status.StartsWith('5'))
            {
                errors[key] = errors.GetValueOrDefault(key) + count;
            }
        }

        var now = time.GetUtcNow();
        var counts = buckets.ToDictionary(b => $"{b.Key.Method} {b.Key.Route}", b => b.Value.GetValueOrDefault(double.PositiveInfinity));
        (DateTimeOffset At, Dictionary<string, long> Counts)? previous;
        lock (_gate)
        {
            previous = _previous;
            _previous = (now, counts);
        }

        return [.. buckets.Select(b =>
            {
                var total = b.Value.GetValueOrDefault(double.PositiveInfinity);
                var name = $"{b.Key.Method} {b.Key.Route}";
                double? rate = previous is { } p && (now - p.At).TotalSeconds > 0.5 && p.Counts.TryGetValue(name, out var before)
                    ? (total - before) / (now - p.At).TotalSeconds
                    : null;
                return new RouteStatistics(b.Key.Method, b.Key.Route, total, rate,
                    Percentile(b.Value, 0.50), Percentile(b.Value, 0.95), Percentile(b.Value, 0.99), errors.GetValueOrDefault(b.Key));
            })
            .Where(r => r.Requests > 0)
            .OrderByDescending(r => r.Requests)];
    }

    /// <summary>Linear interpolation inside the bucket that holds the quantile, as Prometheus' histogram_quantile does.</summary>
    internal static double Percentile(SortedDictionary<double, long> cumulative, double quantile)
    {
        var total = cumulative.GetValueOrDefault(double.PositiveInfinity);
        if (total == 0)
        {
            return 0;
        }

        var rank = quantile * total;
        double lowerBound = 0;
        long lowerCount = 0;
        foreach (var (bound, count) in cumulative)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return lowerBound * 1000;
                }

                var inBucket = count - lowerCount;
                var share = inBucket == 0 ? 0 : (rank - lowerCount) / inBucket;
                return (lowerBound + share * (bound - lowerBound)) * 1000;
            }

            lowerBound = bound;
            lowerCount = count;
        }

        return lowerBound * 1000;
    }

    private static Dictionary<string, string> Labels(string text) =>
        LabelPair().Matches(text).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value.Replace("\\\"", "\"", StringComparison.Ordinal), StringComparer.Ordinal);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?<labels>.*)\}\s+(?<value>\S+)""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(""""(?<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)"""")]
    private static partial Regex LabelPair();
}
