using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;

namespace Platform.PortfolioTwin.Model.Baselines;

/// <summary>Implicit ALS hyperparameters: latent _factors, alternating sweeps, L2 regularisation λ and confidence scale α.</summary>
public sealed record ImplicitAlsSettings(int Factors = 16, int Iterations = 10, double Regularization = 0.1, double Alpha = 10)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Factors < 1) throw new ArgumentException($"ALS _factors must be at least 1 (got {Factors}).", nameof(Factors));
        if (Iterations < 1) throw new ArgumentException($"ALS iterations must be at least 1 (got {Iterations}).", nameof(Iterations));
        if (Regularization <= 0) throw new ArgumentException($"ALS regularisation must be positive (got {Regularization}).", nameof(Regularization));
        if (Alpha < 0) throw new ArgumentException($"ALS _alpha must not be negative (got {Alpha}).", nameof(Alpha));
    }
}

/// <summary>
/// Baseline: one-class matrix factorisation by implicit-feedback ALS (Hu, Koren and Volinsky 2008): preference 1
/// for touched properties with confidence 1 + α·weight, 0 elsewhere with confidence 1. New users are folded in by
/// one least-squares solve against the fixed property _factors. Properties without training interactions keep
/// zero _factors, so they cannot be recommended — the cold-start gap the twin closes.
/// </summary>
public sealed class ImplicitAlsRecommender : IUserScorer
{
    private readonly int _factors;
    private readonly double _regularization;
    private readonly double _alpha;
    private readonly InteractionWeights _weights;
    private readonly double[][] _itemFactors;
    private readonly double[,] _itemGram;

    public ImplicitAlsRecommender(InteractionIndex index, EvaluationSplit split, ImplicitAlsSettings? settings = null, int seed = 42, InteractionWeights? weights = null)
    {
        settings ??= new ImplicitAlsSettings();
        settings.Validate();
        _factors = settings.Factors;
        _regularization = settings.Regularization;
        _alpha = settings.Alpha;
        _weights = weights ?? InteractionWeights.Default;
        var random = new Random(seed);
        var byUser = split.TrainUsers.Select(u => index.Signals[u].Where(s => s.IsPositive && !split.IsCold[s.Property]).Select(s => (s.Property, _weights.Of(s.Kind))).ToArray()).ToArray();
        var byItem = new List<(int, float)>[index.Properties.Count];
        for (var u = 0; u < byUser.Length; u++)
        {
            foreach (var (p, w) in byUser[u]) (byItem[p] ??= []).Add((u, w));
        }
        var userFactors = byUser.Select(_ => Enumerable.Range(0, _factors).Select(_ => random.NextDouble() * 0.01).ToArray()).ToArray();
        _itemFactors = [.. byItem.Select(_ => Enumerable.Range(0, _factors).Select(_ => random.NextDouble() * 0.01).ToArray())];
        for (var i = 0; i < byItem.Length; i++)
        {
            if (byItem[i] is null) Array.Clear(_itemFactors[i]);
        }
        var itemLists = byItem.Select(l => l?.ToArray() ?? []).ToArray();
        for (var iteration = 0; iteration < settings.Iterations; iteration++)
        {
            var itemGram = Gram(_itemFactors);
            Parallel.For(0, userFactors.Length, u => userFactors[u] = Solve(itemGram, _itemFactors, byUser[u]));
            var userGram = Gram(userFactors);
            Parallel.For(0, _itemFactors.Length, i =>
            {
                if (itemLists[i].Length > 0) _itemFactors[i] = Solve(userGram, userFactors, itemLists[i]);
            });
        }
        _itemGram = Gram(_itemFactors);
    }

    public string Name => "implicit-als";

    public void Score(ReadOnlySpan<UserSignal> history, string segment, Span<float> scores)
    {
        var observed = new List<(int, float)>();
        foreach (var s in history)
        {
            if (s.IsPositive) observed.Add((s.Property, _weights.Of(s.Kind)));
        }
        var user = Solve(_itemGram, _itemFactors, [.. observed]);
        for (var p = 0; p < scores.Length; p++)
        {
            double dot = 0;
            var item = _itemFactors[p];
            for (var f = 0; f < _factors; f++) dot += user[f] * item[f];
            scores[p] = (float)dot;
        }
    }

    private double[,] Gram(double[][] rows)
    {
        var gram = new double[_factors, _factors];
        foreach (var row in rows)
        {
            for (var a = 0; a < _factors; a++)
            {
                for (var b = a; b < _factors; b++) gram[a, b] += row[a] * row[b];
            }
        }
        for (var a = 0; a < _factors; a++)
        {
            for (var b = 0; b < a; b++) gram[a, b] = gram[b, a];
        }
        return gram;
    }

    // x = (YᵀY + Yᵀ(C − I)Y + λI)⁻¹ Yᵀ C p, summing only over observed entries (p = 1 there, 0 elsewhere).
    private double[] Solve(double[,] gram, double[][] other, (int Index, float Weight)[] observed)
    {
        var a = (double[,])gram.Clone();
        var rhs = new double[_factors];
        foreach (var (index, weight) in observed)
        {
            var y = other[index];
            var confidence = 1 + _alpha * weight;
            for (var r = 0; r < _factors; r++)
            {
                rhs[r] += confidence * y[r];
                for (var c = 0; c < _factors; c++) a[r, c] += (confidence - 1) * y[r] * y[c];
            }
        }
        for (var r = 0; r < _factors; r++) a[r, r] += _regularization;
        return CholeskySolve(a, rhs);
    }

    private static double[] CholeskySolve(double[,] a, double[] b)
    {
        var n = b.Length;
        var l = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = a[i, j];
                for (var k = 0; k < j; k++) sum -= l[i, k] * l[j, k];
                l[i, j] = i == j ? Math.Sqrt(Math.Max(sum, 1e-12)) : sum / l[j, j];
            }
        }
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++) sum -= l[i, k] * y[k];
            y[i] = sum / l[i, i];
        }
        var x = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var sum = y[i];
            for (var k = i + 1; k < n; k++) sum -= l[k, i] * x[k];
            x[i] = sum / l[i, i];
        }
        return x;
    }
}
