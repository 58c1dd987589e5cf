using System.Collections.Concurrent;
using HdrHistogram;

namespace Platform.Lab.Traffic;

/// <summary>One response as the client saw it. Latency runs from the request's intended send time (coordinated-omission aware).</summary>
public sealed record Sample(
    string Route,
    TimeSpan IntendedAt,
    long LatencyMicros,
    int Status,
    bool ProblemDetails,
    bool RetryAfter,
    string? Alias = null,
    int? ModelVersion = null,
    IReadOnlyList<double>? AbsolutePercentageErrors = null);

/// <summary>Latency histograms (HdrHistogram, µs, 3 significant digits) and counts per route, overall and per time bucket.</summary>
public sealed class RouteStats(TimeSpan bucketWidth)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, LongHistogram> _buckets = [];
    private readonly Dictionary<int, int> _bucketErrors = [];

    public LongHistogram Overall { get; } = NewHistogram(3);

    public ConcurrentDictionary<int, long> Statuses { get; } = new();

    public long Count => Statuses.Values.Sum();

    public long Errors => Statuses.Where(s => !IsSuccess(s.Key)).Sum(s => s.Value);

    public long ProblemDetailsErrors { get; private set; }

    public long RetryAfter429 { get; private set; }

    public void Record(Sample sample)
    {
        Statuses.AddOrUpdate(sample.Status, 1, (_, n) => n + 1);
        var bucket = (int)(sample.IntendedAt / bucketWidth);
        var micros = Math.Clamp(sample.LatencyMicros, 1, MaxMicros);
        lock (_gate)
        {
            Overall.RecordValue(micros);
            if (!_buckets.TryGetValue(bucket, out var histogram))
            {
                _buckets[bucket] = histogram = NewHistogram(2);
            }

            histogram.RecordValue(micros);
            if (!IsSuccess(sample.Status))
            {
                _bucketErrors[bucket] = _bucketErrors.GetValueOrDefault(bucket) + 1;
                ProblemDetailsErrors += sample.ProblemDetails ? 1 : 0;
            }

            RetryAfter429 += sample.Status == 429 && sample.RetryAfter ? 1 : 0;
        }
    }

    /// <summary>Per bucket: (start, count, errors, p50 ms, p99 ms), in time order.</summary>
    public IReadOnlyList<(TimeSpan Start, long Count, int Errors, double P50, double P99)> Timeline()
    {
        lock (_gate)
        {
            return [.. _buckets.OrderBy(b => b.Key).Select(b => (
                b.Key * bucketWidth, b.Value.TotalCount, _bucketErrors.GetValueOrDefault(b.Key),
                b.Value.GetValueAtPercentile(50) / 1000.0, b.Value.GetValueAtPercentile(99) / 1000.0))];
        }
    }

    /// <summary>Latency percentile (ms) and error share over the buckets starting at or after <paramref name="since"/>.</summary>
    public (long Count, double P99, double ErrorRate) Window(TimeSpan since)
    {
        lock (_gate)
        {
            var merged = NewHistogram(2);
            var errors = 0;
            foreach (var (key, histogram) in _buckets)
            {
                if (key * bucketWidth >= since)
                {
                    merged.Add(histogram);
                    errors += _bucketErrors.GetValueOrDefault(key);
                }
            }

            return merged.TotalCount == 0 ? (0, 0, 0) : (merged.TotalCount, merged.GetValueAtPercentile(99) / 1000.0, errors / (double)merged.TotalCount);
        }
    }

    public double PercentileMs(double percentile)
    {
        lock (_gate)
        {
            return Overall.TotalCount == 0 ? 0 : Overall.GetValueAtPercentile(percentile) / 1000.0;
        }
    }

    public double MaxMs()
    {
        lock (_gate)
        {
            return Overall.TotalCount == 0 ? 0 : Overall.GetMaxValue() / 1000.0;
        }
    }

    public double MeanMs()
    {
        lock (_gate)
        {
            return Overall.TotalCount == 0 ? 0 : Overall.GetMean() / 1000.0;
        }
    }

    public static bool IsSuccess(int status) => status is >= 200 and < 300;

    private const long MaxMicros = 120_000_000;

    private static LongHistogram NewHistogram(int digits) => new(1, MaxMicros, digits);
}

/// <summary>Per-alias accuracy against the market's ground truth (canary and shadow comparisons).</summary>
public sealed class AliasStats
{
    private readonly Lock _gate = new();
    private readonly List<(TimeSpan At, double Ape)> _errors = [];

    public long Requests;
    public long Failures;

    public void Record(TimeSpan at, IReadOnlyList<double>? apes, bool failed)
    {
        Interlocked.Increment(ref Requests);
        if (failed)
        {
            Interlocked.Increment(ref Failures);
        }

        if (apes is null)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var ape in apes)
            {
                _errors.Add((at, ape));
            }
        }
    }

    /// <summary>Median absolute percentage error (fraction) of rows since <paramref name="since"/>, with their count.</summary>
    public (int Rows, double MdApe) MdApe(TimeSpan since)
    {
        double[] values;
        lock (_gate)
        {
            values = [.. _errors.Where(e => e.At >= since).Select(e => e.Ape)];
        }

        if (values.Length == 0)
        {
            return (0, 0);
        }

        Array.Sort(values);
        var middle = values.Length / 2;
        return (values.Length, values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2);
    }
}

/// <summary>Everything the traffic saw, by route and by serving alias.</summary>
public sealed class RunRecorder(TimeSpan bucketWidth)
{
    public TimeSpan BucketWidth { get; } = bucketWidth;

    public ConcurrentDictionary<string, RouteStats> Routes { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, AliasStats> Aliases { get; } = new(StringComparer.Ordinal);

    /// <summary>Model versions seen in estimate responses, with when each was first seen.</summary>
    public ConcurrentDictionary<int, TimeSpan> VersionsSeen { get; } = new();

    public void Record(Sample sample)
    {
        Routes.GetOrAdd(sample.Route, _ => new RouteStats(BucketWidth)).Record(sample);
        if (sample.Alias is { } alias)
        {
            Aliases.GetOrAdd(alias, _ => new AliasStats()).Record(sample.IntendedAt, sample.AbsolutePercentageErrors, !RouteStats.IsSuccess(sample.Status));
        }

        if (sample.ModelVersion is { } version)
        {
            VersionsSeen.TryAdd(version, sample.IntendedAt);
        }
    }

    public long TotalCount => Routes.Values.Sum(r => r.Count);

    public long TotalErrors => Routes.Values.Sum(r => r.Errors);
}
