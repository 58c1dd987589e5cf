namespace Platform.Valuation.Model;

internal static class Stats
{
    /// <summary>Linear-interpolated quantile (type 7, as numpy and R default); sorts a copy.</summary>
    public static double Quantile(double[] values, double q, double empty = double.NaN)
    {
        if (values.Length == 0) return empty;
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return SortedQuantile(sorted, q);
    }

    public static double SortedQuantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
