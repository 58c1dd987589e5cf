namespace Platform.Valuation.Api.Monitoring;

/// <summary>Population stability index and the two-sample Kolmogorov–Smirnov test, on plain sorted samples.</summary>
public static class DriftStatistics
{
    // Empty bins would make PSI infinite; this floor is the usual convention.
    private const double ProportionFloor = 1e-4;

    /// <summary>Decile edges of the training sample with duplicates removed (discrete features have fewer bins).</summary>
    public static double[] DecileEdges(ReadOnlySpan<double> sortedTraining)
    {
        if (sortedTraining.Length == 0)
        {
            return [];
        }

        var edges = new List<double>(9);
        for (var decile = 1; decile <= 9; decile++)
        {
            var edge = sortedTraining[(int)Math.Min(sortedTraining.Length - 1, Math.Floor(decile / 10.0 * sortedTraining.Length))];
            if (edges.Count == 0 || edge > edges[^1])
            {
                edges.Add(edge);
            }
        }

        return [.. edges];
    }

    /// <summary>Share of <paramref name="values"/> in each bin: bin i holds values in (edges[i-1], edges[i]], the last bin the rest.</summary>
    public static double[] BinShares(ReadOnlySpan<double> values, double[] edges)
    {
        var counts = new double[edges.Length + 1];
        foreach (var value in values)
        {
            var bin = Array.BinarySearch(edges, value);
            counts[bin >= 0 ? bin : ~bin]++;
        }

        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = values.Length == 0 ? 0 : counts[i] / values.Length;
        }

        return counts;
    }

    /// <summary>PSI = Σ (actual − expected) · ln(actual / expected) over the bins.</summary>
    public static double PopulationStabilityIndex(double[] expectedShares, double[] actualShares)
    {
        var psi = 0.0;
        for (var i = 0; i < expectedShares.Length; i++)
        {
            var expected = Math.Max(expectedShares[i], ProportionFloor);
            var actual = Math.Max(actualShares[i], ProportionFloor);
            psi += (actual - expected) * Math.Log(actual / expected);
        }

        return psi;
    }

    /// <summary>The KS statistic D = sup |F₁ − F₂| of two sorted samples.</summary>
    public static double KolmogorovSmirnov(ReadOnlySpan<double> sortedA, ReadOnlySpan<double> sortedB)
    {
        if (sortedA.Length == 0 || sortedB.Length == 0)
        {
            return 0;
        }

        int i = 0, j = 0;
        var d = 0.0;
        while (i < sortedA.Length && j < sortedB.Length)
        {
            var x = Math.Min(sortedA[i], sortedB[j]);
            while (i < sortedA.Length && sortedA[i] <= x)
            {
                i++;
            }

            while (j < sortedB.Length && sortedB[j] <= x)
            {
                j++;
            }

            d = Math.Max(d, Math.Abs((double)i / sortedA.Length - (double)j / sortedB.Length));
        }

        return d;
    }

    /// <summary>Asymptotic p-value of a two-sample KS statistic (Kolmogorov distribution with Stephens' small-sample correction).</summary>
    public static double KolmogorovSmirnovPValue(double d, int n, int m)
    {
        if (n == 0 || m == 0)
        {
            return 1;
        }

        var en = Math.Sqrt((double)n * m / (n + m));
        var lambda = (en + 0.12 + 0.11 / en) * d;
        if (lambda < 1e-3)
        {
            return 1;
        }

        var sum = 0.0;
        for (var k = 1; k <= 100; k++)
        {
            var term = 2 * (k % 2 == 1 ? 1 : -1) * Math.Exp(-2 * k * k * lambda * lambda);
            sum += term;
            if (Math.Abs(term) < 1e-12)
            {
                break;
            }
        }

        return Math.Clamp(sum, 0, 1);
    }
}
