namespace Platform.Host.Benchmarks;

/// <summary>Percentiles of measured latencies, read the same way by every benchmark.</summary>
public static class Latencies
{
    /// <summary>The nearest-rank percentile of ascending <paramref name="sorted"/> samples; 0 when there are none.</summary>
    public static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
