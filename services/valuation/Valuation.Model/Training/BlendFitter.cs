namespace Platform.Valuation.Model.Training;

/// <summary>
/// Blend weights on out-of-fold predictions: non-negative, summing to one, minimising the mean absolute log error,
/// found by exhaustive search on a 0.05 grid of the simplex (a few hundred points for three members).
/// </summary>
internal static class BlendFitter
{
    public const int GridSteps = 20;

    public static double[] Fit(IReadOnlyList<double[]> memberPredictions, IReadOnlyList<float> y, IReadOnlyList<int> rows)
    {
        int m = memberPredictions.Count;
        double[] best = new double[m];
        best[0] = 1;
        double bestLoss = double.MaxValue;
        foreach (var w in Compositions(m, GridSteps))
        {
            double loss = 0;
            foreach (int i in rows)
            {
                double p = 0;
                for (int k = 0; k < m; k++) p += w[k] * memberPredictions[k][i];
                loss += Math.Abs(p - y[i]);
            }
            if (loss < bestLoss - 1e-12) { bestLoss = loss; best = w; }
        }
        return best;
    }

    /// <summary>
    /// Out-of-fold predictions of the blend itself: weights fitted on the other folds' out-of-fold predictions, so the
    /// comparison with the best single member is fair (the weights never see the rows they are scored on).
    /// </summary>
    public static double[] CrossValidate(IReadOnlyList<double[]> memberPredictions, IReadOnlyList<float> y, int[] fold, int folds)
    {
        var result = new double[y.Count];
        for (int f = 0; f < folds; f++)
        {
            var w = Fit(memberPredictions, y, [.. Enumerable.Range(0, y.Count).Where(i => fold[i] != f)]);
            for (int i = 0; i < y.Count; i++)
            {
                if (fold[i] != f) continue;
                for (int k = 0; k < w.Length; k++) result[i] += w[k] * memberPredictions[k][i];
            }
        }
        return result;
    }

    private static IEnumerable<double[]> Compositions(int parts, int total)
    {
        var counts = new int[parts];
        return Recurse(0, total);

        IEnumerable<double[]> Recurse(int at, int left)
        {
            if (at == parts - 1)
            {
                counts[at] = left;
                yield return [.. counts.Select(c => (double)c / total)];
                yield break;
            }
            for (int c = left; c >= 0; c--)
            {
                counts[at] = c;
                foreach (var w in Recurse(at + 1, left - c)) yield return w;
            }
        }
    }
}
