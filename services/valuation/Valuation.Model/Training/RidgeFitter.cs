using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Model.Training;

/// <summary>
/// Ridge regression on engineered slots (one-hot levels, log areas, age, out-of-fold price levels): the kind of model
/// that does well on small, wide housing data and that trees complement. Categorical codes are left out (an ordinal code
/// means nothing to a linear model); constant slots too.
/// </summary>
internal static class RidgeFitter
{
    /// <summary>Penalties tried, as multiples of the number of rows (inputs are standardised).</summary>
    public static readonly double[] Penalties = [1e-4, 1e-3, 1e-2, 3e-2, 0.1, 0.3, 1];

    public sealed record Layout(int[] Slots, bool[] Log);

    /// <summary>Which slots enter, and which as log1p: non-negative slots with a long right tail.</summary>
    public static Layout Choose(IReadOnlyList<float[]> x, IReadOnlyList<string> slotNames)
    {
        var slots = new List<int>();
        var log = new List<bool>();
        int n = x.Count;
        for (int j = 0; j < slotNames.Count; j++)
        {
            if (slotNames[j].EndsWith(":code", StringComparison.Ordinal)) continue;
            double min = double.MaxValue, max = double.MinValue, sum = 0;
            for (int i = 0; i < n; i++) { double v = x[i][j]; min = Math.Min(min, v); max = Math.Max(max, v); sum += v; }
            if (!(max > min)) continue;
            double mean = sum / n, m2 = 0, m3 = 0;
            for (int i = 0; i < n; i++) { double d = x[i][j] - mean; m2 += d * d; m3 += d * d * d; }
            m2 /= n;
            m3 /= n;
            double skew = m3 / Math.Pow(m2, 1.5);
            bool binary = Enumerable.Range(0, n).All(i => x[i][j] == min || x[i][j] == max);
            slots.Add(j);
            log.Add(min >= 0 && !binary && skew > 1);
        }
        return new Layout([.. slots], [.. log]);
    }

    /// <summary>Fits one ridge model per penalty on the given rows (one pass over the data, one solve per penalty).</summary>
    public static LinearModel[] Fit(IReadOnlyList<float[]> x, IReadOnlyList<float> y, IReadOnlyList<int> rows, Layout layout, double[] penalties)
    {
        int p = layout.Slots.Length, n = rows.Count;
        var low = new double[p];
        var high = new double[p];
        Array.Fill(low, double.MaxValue);
        Array.Fill(high, double.MinValue);
        var z = new double[n * p];
        for (int r = 0; r < n; r++)
        {
            var row = x[rows[r]];
            for (int j = 0; j < p; j++)
            {
                double v = layout.Log[j] ? Math.Log(1 + Math.Max(row[layout.Slots[j]], 0f)) : row[layout.Slots[j]];
                z[r * p + j] = v;
                low[j] = Math.Min(low[j], v);
                high[j] = Math.Max(high[j], v);
            }
        }
        var mean = new double[p];
        var scale = new double[p];
        for (int j = 0; j < p; j++)
        {
            double s = 0, s2 = 0;
            for (int r = 0; r < n; r++) s += z[r * p + j];
            mean[j] = s / n;
            for (int r = 0; r < n; r++) { double d = z[r * p + j] - mean[j]; s2 += d * d; }
            scale[j] = Math.Sqrt(s2 / n) is var sd && sd > 1e-12 ? sd : 1;
        }
        double yMean = rows.Average(i => (double)y[i]);
        var gram = new double[p * p];
        var rhs = new double[p];
        var zr = new double[p];
        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < p; j++) zr[j] = (z[r * p + j] - mean[j]) / scale[j];
            double t = y[rows[r]] - yMean;
            for (int j = 0; j < p; j++)
            {
                rhs[j] += zr[j] * t;
                for (int k = 0; k <= j; k++) gram[j * p + k] += zr[j] * zr[k];
            }
        }
        var models = new LinearModel[penalties.Length];
        for (int m = 0; m < penalties.Length; m++)
        {
            double lambda = penalties[m] * n;
            var a = new double[p * p];
            for (int j = 0; j < p; j++)
                for (int k = 0; k <= j; k++) a[j * p + k] = gram[j * p + k] + (j == k ? lambda : 0);
            var beta = SolveCholesky(a, rhs, p);
            var coefficients = new double[p];
            double intercept = yMean;
            for (int j = 0; j < p; j++)
            {
                coefficients[j] = beta[j] / scale[j];
                intercept -= coefficients[j] * mean[j];
            }
            models[m] = new LinearModel
            {
                Intercept = intercept,
                Slots = layout.Slots,
                Log = layout.Log,
                Coefficients = coefficients,
                Means = mean,
                Low = low,
                High = high,
                Lambda = penalties[m],
            };
        }
        return models;
    }

    /// <summary>Solves A·x = b for symmetric positive definite A given by its lower triangle (row-major).</summary>
    private static double[] SolveCholesky(double[] a, double[] b, int p)
    {
        var l = new double[p * p];
        for (int j = 0; j < p; j++)
        {
            double d = a[j * p + j];
            for (int k = 0; k < j; k++) d -= l[j * p + k] * l[j * p + k];
            l[j * p + j] = Math.Sqrt(Math.Max(d, 1e-12));
            for (int i = j + 1; i < p; i++)
            {
                double s = a[i * p + j];
                for (int k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
                l[i * p + j] = s / l[j * p + j];
            }
        }
        var yv = new double[p];
        for (int i = 0; i < p; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i * p + k] * yv[k];
            yv[i] = s / l[i * p + i];
        }
        var x = new double[p];
        for (int i = p - 1; i >= 0; i--)
        {
            double s = yv[i];
            for (int k = i + 1; k < p; k++) s -= l[k * p + i] * x[k];
            x[i] = s / l[i * p + i];
        }
        return x;
    }
}
