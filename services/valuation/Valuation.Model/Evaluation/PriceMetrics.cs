namespace Platform.Valuation.Model.Evaluation;

/// <summary>Accuracy of price estimates; percentages in percent, money in the data's unit.</summary>
public sealed record PriceMetrics(
    int Count, double MdAPE, double MAPE, double WAPE, double MAE, double RMSE, double AE_p90,
    double PPE10, double PPE20, double RMSLE);

public enum SegmentStatus { Good, OK, Risk }

public sealed record SegmentMetrics(string Segment, PriceMetrics Metrics, SegmentStatus Status, bool TailRisk);

/// <summary>Status bands by MdAPE (percent) and the AE_p90 (money) above which a segment is flagged as tail risk.</summary>
public sealed record SegmentThresholds
{
    public double GoodMdApe { get; init; } = 12;
    public double OkMdApe { get; init; } = 18;
    /// <summary>Absolute AE_p90 limit; when null, a segment is tail risk if its AE_p90 exceeds 1.5 × the overall AE_p90.</summary>
    public double? TailRiskAeP90 { get; init; }
}

public sealed record EvaluationSummary(
    PriceMetrics Overall, IReadOnlyList<SegmentMetrics> Segments, SegmentMetrics? Best, SegmentMetrics? Worst, RatioStudy? Ratios = null);

public static class MetricsCalculator
{
    public static PriceMetrics Compute(IReadOnlyList<double> actual, IReadOnlyList<double> predicted)
    {
        if (actual.Count != predicted.Count) throw new ArgumentException("actual and predicted differ in length");
        int n = actual.Count;
        if (n == 0) return new PriceMetrics(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        var ape = new double[n];
        var ae = new double[n];
        double sumAe = 0, sumActual = 0, sumSq = 0, sumLogSq = 0;
        int within10 = 0, within20 = 0;
        for (int i = 0; i < n; i++)
        {
            double a = actual[i], p = predicted[i];
            ae[i] = Math.Abs(p - a);
            ape[i] = ae[i] / Math.Abs(a) * 100;
            sumAe += ae[i];
            sumActual += Math.Abs(a);
            sumSq += (p - a) * (p - a);
            double dl = double.LogP1(Math.Max(p, 0)) - double.LogP1(Math.Max(a, 0));
            sumLogSq += dl * dl;
            if (ape[i] <= 10) within10++;
            if (ape[i] <= 20) within20++;
        }
        return new PriceMetrics(
            n,
            MdAPE: Stats.Quantile(ape, 0.5),
            MAPE: ape.Average(),
            WAPE: sumAe / sumActual * 100,
            MAE: sumAe / n,
            RMSE: Math.Sqrt(sumSq / n),
            AE_p90: Stats.Quantile(ae, 0.9),
            PPE10: 100.0 * within10 / n,
            PPE20: 100.0 * within20 / n,
            RMSLE: Math.Sqrt(sumLogSq / n));
    }

    public static EvaluationSummary Summarise(
        IReadOnlyList<double> actual, IReadOnlyList<double> predicted, IReadOnlyList<string?> segments, SegmentThresholds? thresholds = null)
    {
        thresholds ??= new SegmentThresholds();
        var overall = Compute(actual, predicted);
        double tailLimit = thresholds.TailRiskAeP90 ?? 1.5 * overall.AE_p90;
        var bySegment = new List<SegmentMetrics>();
        foreach (var group in Enumerable.Range(0, actual.Count)
            .GroupBy(i => segments.Count > i ? segments[i] ?? "(missing)" : "(all)")
            .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var m = Compute([.. group.Select(i => actual[i])], [.. group.Select(i => predicted[i])]);
            var status = m.MdAPE <= thresholds.GoodMdApe ? SegmentStatus.Good
                : m.MdAPE <= thresholds.OkMdApe ? SegmentStatus.OK : SegmentStatus.Risk;
            bySegment.Add(new SegmentMetrics(group.Key, m, status, m.AE_p90 > tailLimit));
        }
        // Best/worst by MdAPE among segments large enough for the median to mean something.
        var ranked = bySegment.Where(s => s.Metrics.Count >= 5).ToList();
        if (ranked.Count == 0) ranked = bySegment;
        return new EvaluationSummary(
            overall, bySegment, ranked.MinBy(s => s.Metrics.MdAPE), ranked.MaxBy(s => s.Metrics.MdAPE),
            RatioStudyCalculator.Compute(actual, predicted, segments));
    }
}
