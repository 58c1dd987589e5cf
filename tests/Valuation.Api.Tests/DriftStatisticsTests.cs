using Platform.Valuation.Api.Monitoring;

namespace Platform.Valuation.Api.Tests;

public sealed class DriftStatisticsTests
{
    private static double[] Normal(int n, double mean, double sd, int seed)
    {
        var random = new Random(seed);
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            // Box–Muller.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = mean + sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }

        Array.Sort(values);
        return values;
    }

    [Fact]
    public void Same_distribution_has_small_psi_and_ks_and_a_large_p_value()
    {
        var training = Normal(5_000, 100, 15, seed: 1);
        var window = Normal(2_000, 100, 15, seed: 2);
        var edges = DriftStatistics.DecileEdges(training);

        var psi = DriftStatistics.PopulationStabilityIndex(DriftStatistics.BinShares(training, edges), DriftStatistics.BinShares(window, edges));
        var ks = DriftStatistics.KolmogorovSmirnov(training, window);

        Assert.InRange(psi, 0, 0.02);
        Assert.InRange(ks, 0, 0.05);
        Assert.True(DriftStatistics.KolmogorovSmirnovPValue(ks, training.Length, window.Length) > 0.01);
    }

    [Fact]
    public void A_shift_of_one_standard_deviation_is_an_alert_level_psi()
    {
        var training = Normal(5_000, 100, 15, seed: 1);
        var window = Normal(2_000, 115, 15, seed: 2);
        var edges = DriftStatistics.DecileEdges(training);

        var psi = DriftStatistics.PopulationStabilityIndex(DriftStatistics.BinShares(training, edges), DriftStatistics.BinShares(window, edges));
        var ks = DriftStatistics.KolmogorovSmirnov(training, window);

        Assert.True(psi > 0.25, $"PSI {psi}");
        // D of N(0,1) vs N(1,1) is 2Φ(0.5) − 1 ≈ 0.383.
        Assert.InRange(ks, 0.34, 0.42);
        Assert.True(DriftStatistics.KolmogorovSmirnovPValue(ks, training.Length, window.Length) < 1e-6);
    }

    [Fact]
    public void Ks_of_disjoint_samples_is_one_and_of_identical_samples_zero()
    {
        double[] low = [1, 2, 3, 4];
        double[] high = [10, 11, 12];

        Assert.Equal(1.0, DriftStatistics.KolmogorovSmirnov(low, high));
        Assert.Equal(0.0, DriftStatistics.KolmogorovSmirnov(low, low));
    }

    [Fact]
    public void Discrete_features_get_deduplicated_bins_that_hold_every_value()
    {
        double[] bedrooms = [.. Enumerable.Repeat(2.0, 40), .. Enumerable.Repeat(3.0, 40), .. Enumerable.Repeat(4.0, 20)];

        var edges = DriftStatistics.DecileEdges(bedrooms);
        var shares = DriftStatistics.BinShares(bedrooms, edges);

        Assert.Equal([2.0, 3.0, 4.0], edges);
        Assert.Equal(1.0, shares.Sum(), 9);
        Assert.Equal(0.4, shares[0], 9);
    }
}
