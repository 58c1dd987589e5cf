namespace Platform.Valuation.Model.Evaluation;

/// <summary>Coverage (percent) and mean relative width ((high − low) / estimate) of prediction intervals.</summary>
public sealed record IntervalStatistics(int Count, double Coverage, double MeanRelativeWidth);

public sealed record SegmentIntervalStatistics(string Segment, IntervalStatistics Statistics);

/// <summary>
/// How the intervals did on held-out sales, overall and per segment; with the flat interval of the same model beside
/// them (<see cref="Flat"/>) and the flat width that would have reached the same coverage (<see cref="FlatAtEqualCoverage"/>).
/// </summary>
public sealed record IntervalStudy(
    string Method, double Level, IntervalStatistics Overall, IReadOnlyList<SegmentIntervalStatistics> Segments,
    IntervalStatistics? Flat = null, IntervalStatistics? FlatAtEqualCoverage = null);

public static class IntervalStudyCalculator
{
    public static IntervalStatistics Compute(IReadOnlyList<double> actual, IReadOnlyList<double> estimate, IReadOnlyList<double> low, IReadOnlyList<double> high)
    {
        int n = actual.Count;
        if (n == 0) return new IntervalStatistics(0, double.NaN, double.NaN);
        int covered = 0;
        double width = 0;
        for (int i = 0; i < n; i++)
        {
            if (actual[i] >= low[i] && actual[i] <= high[i]) covered++;
            width += (high[i] - low[i]) / estimate[i];
        }
        return new IntervalStatistics(n, 100.0 * covered / n, width / n);
    }

    /// <summary>
    /// The study of one set of intervals; with <paramref name="flatLogHalfWidth"/> (per row, log space) also the flat
    /// intervals and the one flat width whose coverage equals the adaptive intervals' coverage.
    /// </summary>
    public static IntervalStudy Compute(
        string method, double level, IReadOnlyList<double> actual, IReadOnlyList<double> estimate, IReadOnlyList<double> low, IReadOnlyList<double> high,
        IReadOnlyList<string?> segments, IReadOnlyList<double>? flatLogHalfWidth = null)
    {
        var overall = Compute(actual, estimate, low, high);
        var bySegment = Enumerable.Range(0, actual.Count)
            .GroupBy(i => segments.Count > i ? segments[i] ?? "(missing)" : "(all)")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new SegmentIntervalStatistics(g.Key, Compute(
                [.. g.Select(i => actual[i])], [.. g.Select(i => estimate[i])], [.. g.Select(i => low[i])], [.. g.Select(i => high[i])])))
            .ToList();
        if (flatLogHalfWidth is null || actual.Count == 0) return new IntervalStudy(method, level, overall, bySegment);
        int n = actual.Count;
        var f = estimate.Select(double.LogP1).ToArray();
        var flat = Compute(actual, estimate,
            [.. Enumerable.Range(0, n).Select(i => double.ExpM1(f[i] - flatLogHalfWidth[i]))],
            [.. Enumerable.Range(0, n).Select(i => double.ExpM1(f[i] + flatLogHalfWidth[i]))]);
        // The flat half-width covering the same share as the adaptive intervals: that share's quantile of |log error|.
        var error = Enumerable.Range(0, n).Select(i => Math.Abs(double.LogP1(actual[i]) - f[i])).Order().ToArray();
        int rank = Math.Clamp((int)Math.Ceiling(n * overall.Coverage / 100), 1, n);
        double h = error[rank - 1];
        var equal = Compute(actual, estimate,
            [.. f.Select(v => double.ExpM1(v - h))], [.. f.Select(v => double.ExpM1(v + h))]);
        return new IntervalStudy(method, level, overall, bySegment, flat, equal);
    }
}
