namespace Platform.Valuation.Model.Evaluation;

/// <summary>
/// IAAO ratio-study statistics (Standard on Ratio Studies) of estimate / sale price: how assessors judge an AVM's
/// level (median ratio), uniformity (COD) and vertical equity (PRD, PRB).
/// </summary>
public sealed record RatioStatistics(int Count, double MedianRatio, double Cod, double Prd, double Prb)
{
    /// <summary>IAAO acceptance ranges for residential property.</summary>
    public static class Acceptance
    {
        public const double MedianLow = 0.90, MedianHigh = 1.10;
        public const double CodLow = 5, CodHigh = 15;
        public const double PrdLow = 0.98, PrdHigh = 1.03;
        public const double PrbLimit = 0.05;
    }

    public bool MedianRatioOk => MedianRatio is >= Acceptance.MedianLow and <= Acceptance.MedianHigh;
    public bool CodOk => Cod is >= Acceptance.CodLow and <= Acceptance.CodHigh;
    public bool PrdOk => Prd is >= Acceptance.PrdLow and <= Acceptance.PrdHigh;
    public bool PrbOk => Math.Abs(Prb) <= Acceptance.PrbLimit;

    /// <summary>The statistics outside their acceptance range, by name (empty when all are within).</summary>
    public IReadOnlyList<string> Flags =>
    [
        .. MedianRatioOk ? Array.Empty<string>() : ["median_ratio"],
        .. CodOk ? Array.Empty<string>() : ["COD"],
        .. PrdOk ? Array.Empty<string>() : ["PRD"],
        .. PrbOk ? Array.Empty<string>() : ["PRB"],
    ];
}

public sealed record SegmentRatioStatistics(string Segment, RatioStatistics Statistics);

public sealed record RatioStudy(RatioStatistics Overall, IReadOnlyList<SegmentRatioStatistics> Segments);

public static class RatioStudyCalculator
{
    /// <summary>
    /// Median ratio; COD = 100 · mean |ratio − median| / median; PRD = mean ratio / (Σ estimates / Σ prices);
    /// PRB = slope of (ratio − median) / median on log2 of value, value = ½ price + ½ estimate / median ratio.
    /// </summary>
    public static RatioStatistics Compute(IReadOnlyList<double> actual, IReadOnlyList<double> predicted)
    {
        int n = actual.Count;
        if (n == 0) return new RatioStatistics(0, double.NaN, double.NaN, double.NaN, double.NaN);
        var ratio = new double[n];
        double sumActual = 0, sumPredicted = 0;
        for (int i = 0; i < n; i++)
        {
            ratio[i] = predicted[i] / actual[i];
            sumActual += actual[i];
            sumPredicted += predicted[i];
        }
        double median = Stats.Quantile(ratio, 0.5);
        double cod = 100 * ratio.Average(r => Math.Abs(r - median)) / median;
        double prd = ratio.Average() / (sumPredicted / sumActual);
        double prb = double.NaN;
        if (n >= 3)
        {
            var x = new double[n];
            var y = new double[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = Math.Log2(0.5 * actual[i] + 0.5 * predicted[i] / median);
                y[i] = (ratio[i] - median) / median;
            }
            double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0;
            for (int i = 0; i < n; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); }
            prb = sxx > 0 ? sxy / sxx : double.NaN;
        }
        return new RatioStatistics(n, median, cod, prd, prb);
    }

    public static RatioStudy Compute(IReadOnlyList<double> actual, IReadOnlyList<double> predicted, IReadOnlyList<string?> segments) => new(
        Compute(actual, predicted),
        [.. Enumerable.Range(0, actual.Count)
            .GroupBy(i => segments.Count > i ? segments[i] ?? "(missing)" : "(all)")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new SegmentRatioStatistics(g.Key, Compute([.. g.Select(i => actual[i])], [.. g.Select(i => predicted[i])])))]);
}
