using Microsoft.ML.Trainers.FastTree;

namespace Platform.Valuation.Model.Prediction;

/// <summary>
/// A trained regression tree ensemble in flat arrays, evaluated without ML.NET's per-call machinery:
/// one row is a few hundred array walks and no allocation. Node values (leaf values averaged over the
/// training rows below each node) give per-feature contributions along the decision path (Saabas).
/// </summary>
public sealed class TreeEnsemble
{
    public double Bias { get; init; }
    public required FlatTree[] Trees { get; init; }

    public sealed record FlatTree
    {
        public required double Weight { get; init; }
        public required int[] Left { get; init; }
        public required int[] Right { get; init; }
        public required int[] Feature { get; init; }
        public required float[] Threshold { get; init; }
        public required double[] Leaf { get; init; }
        /// <summary>Mean training output under each internal node; filled by <see cref="ComputeNodeValues"/>.</summary>
        public double[] NodeValue { get; set; } = [];

        /// <summary>Leaf index the row reaches (ML.NET's convention: go left when value ≤ threshold).</summary>
        public int LeafOf(ReadOnlySpan<float> x)
        {
            if (Leaf.Length == 1) return 0;
            int node = 0;
            while (node >= 0) node = x[Feature[node]] <= Threshold[node] ? Left[node] : Right[node];
            return ~node;
        }
    }

    public static TreeEnsemble From(RegressionTreeEnsemble ensemble)
    {
        var trees = new FlatTree[ensemble.Trees.Count];
        for (int t = 0; t < trees.Length; t++)
        {
            var tree = ensemble.Trees[t];
            if (tree.CategoricalSplitFlags.Any(f => f))
                throw new NotSupportedException("categorical tree splits are not used by this model");
            trees[t] = new FlatTree
            {
                Weight = ensemble.TreeWeights[t],
                Left = [.. tree.LeftChild],
                Right = [.. tree.RightChild],
                Feature = [.. tree.NumericalSplitFeatureIndexes],
                Threshold = [.. tree.NumericalSplitThresholds],
                Leaf = [.. tree.LeafValues],
            };
        }
        return new TreeEnsemble { Bias = ensemble.Bias, Trees = trees };
    }

    private TreeLayout? _layout;

    /// <summary>
    /// The evaluation layout, built on first use from the trees and their node values (immutable, so threads that race to
    /// build it get equal copies).
    /// </summary>
    private TreeLayout Layout => _layout ??= TreeLayout.For(this);

    /// <summary>The output of the first <paramref name="trees"/> trees only (for choosing the number of iterations).</summary>
    public double Predict(ReadOnlySpan<float> x, int trees)
    {
        double sum = Bias;
        for (int t = 0; t < Math.Min(trees, Trees.Length); t++)
        {
            var tree = Trees[t];
            sum += tree.Weight * tree.Leaf[tree.LeafOf(x)];
        }
        return sum;
    }

    /// <summary>Cumulative output after every <paramref name="every"/> trees: stages[s] is the output of the first (s+1)·every trees.</summary>
    public void PredictStages(ReadOnlySpan<float> x, int every, Span<double> stages)
    {
        double sum = Bias;
        for (int t = 0; t < Trees.Length; t++)
        {
            var tree = Trees[t];
            sum += tree.Weight * tree.Leaf[tree.LeafOf(x)];
            int s = (t + 1) / every - 1;
            if ((t + 1) % every == 0 && s < stages.Length) stages[s] = sum;
        }
        for (int s = Trees.Length / every; s < stages.Length; s++) stages[s] = sum;
    }

    public double Predict(ReadOnlySpan<float> x) => Bias + Layout.Predict(x);

    /// <summary>The ensemble's mean output over the training rows: the baseline contributions start from.</summary>
    public double ExpectedValue => Bias + Trees.Sum(t => t.Weight * (t.NodeValue.Length > 0 ? t.NodeValue[0] : t.Leaf[0]));

    /// <summary>Routes the training rows through every tree to get each internal node's mean output.</summary>
    public void ComputeNodeValues(IReadOnlyList<float[]> rows)
    {
        Parallel.ForEach(Trees, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, tree =>
        {
            int nodes = tree.Left.Length;
            if (nodes == 0) { tree.NodeValue = []; return; }
            var leafCount = new long[tree.Leaf.Length];
            foreach (var row in rows) leafCount[tree.LeafOf(row)]++;
            var sum = new double[nodes];
            var count = new long[nodes];
            Accumulate(tree, 0, leafCount, sum, count);
            var value = new double[nodes];
            for (int n = 0; n < nodes; n++) value[n] = count[n] > 0 ? sum[n] / count[n] : 0;
            tree.NodeValue = value;
        });
        _layout = null; // the layout carries node values: rebuild it with these
    }

    private static (double Sum, long Count) Accumulate(FlatTree tree, int node, long[] leafCount, double[] sum, long[] count)
    {
        if (node < 0)
        {
            int leaf = ~node;
            return (tree.Leaf[leaf] * leafCount[leaf], leafCount[leaf]);
        }
        var (ls, lc) = Accumulate(tree, tree.Left[node], leafCount, sum, count);
        var (rs, rc) = Accumulate(tree, tree.Right[node], leafCount, sum, count);
        sum[node] = ls + rs;
        count[node] = lc + rc;
        return (sum[node], count[node]);
    }

    /// <summary>
    /// Adds each feature's contribution (in model output units) into <paramref name="contributions"/> and returns the
    /// prediction; contributions sum to prediction − <see cref="ExpectedValue"/>.
    /// </summary>
    public double PredictWithContributions(ReadOnlySpan<float> x, Span<double> contributions) => PredictWithContributions(x, contributions, 1);

    /// <summary>As <see cref="PredictWithContributions(ReadOnlySpan{float}, Span{double})"/>, contributions scaled by a blend weight.</summary>
    public double PredictWithContributions(ReadOnlySpan<float> x, Span<double> contributions, double scale) =>
        Bias + Layout.PredictWithContributions(x, contributions, scale);
}
