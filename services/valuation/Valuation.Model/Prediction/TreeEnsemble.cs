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

    /// <summary>One split in the packed layout: children are absolute node indices, or ~leaf for leaves.</summary>
    private readonly record struct PackedNode(int Feature, float Threshold, int Left, int Right);

    private PackedNode[]? _packed;
    private int[]? _roots;
    private double[]? _leaves;
    private double[]? _nodeValues;

    /// <summary>
    /// All trees' splits in one array and all weighted leaf values in another, so a prediction walks contiguous
    /// memory instead of five arrays per tree.
    /// </summary>
    private void Pack()
    {
        var nodes = new List<PackedNode>();
        var nodeValues = new List<double>();
        var leaves = new List<double>();
        var roots = new int[Trees.Length];
        for (int t = 0; t < Trees.Length; t++)
        {
            var tree = Trees[t];
            int nodeBase = nodes.Count, leafBase = leaves.Count;
            foreach (var leaf in tree.Leaf) leaves.Add(tree.Weight * leaf);
            if (tree.Left.Length == 0) { roots[t] = ~leafBase; continue; }
            roots[t] = nodeBase;
            int Map(int child) => child < 0 ? ~(leafBase + ~child) : nodeBase + child;
            for (int n = 0; n < tree.Left.Length; n++)
            {
                nodes.Add(new PackedNode(tree.Feature[n], tree.Threshold[n], Map(tree.Left[n]), Map(tree.Right[n])));
                nodeValues.Add(tree.NodeValue.Length > n ? tree.Weight * tree.NodeValue[n] : 0);
            }
        }
        _leaves = [.. leaves];
        _nodeValues = [.. nodeValues];
        _roots = roots;
        _packed = [.. nodes];
    }

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

    public double Predict(ReadOnlySpan<float> x)
    {
        if (_packed is null) Pack();
        var nodes = _packed!;
        var leaves = _leaves!;
        double sum = Bias;
        foreach (int root in _roots!)
        {
            int node = root;
            while (node >= 0)
            {
                ref readonly var n = ref nodes[node];
                node = x[n.Feature] <= n.Threshold ? n.Left : n.Right;
            }
            sum += leaves[~node];
        }
        return sum;
    }

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
        _packed = null; // the packed layout carries node values: rebuild it with these
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
    public double PredictWithContributions(ReadOnlySpan<float> x, Span<double> contributions, double scale)
    {
        if (_packed is null) Pack();
        var nodes = _packed!;
        var leaves = _leaves!;
        var nodeValues = _nodeValues!;
        double sum = Bias;
        foreach (int root in _roots!)
        {
            if (root < 0) { sum += leaves[~root]; continue; }
            int node = root;
            double current = nodeValues[node];
            while (node >= 0)
            {
                ref readonly var n = ref nodes[node];
                int next = x[n.Feature] <= n.Threshold ? n.Left : n.Right;
                double nextValue = next < 0 ? leaves[~next] : nodeValues[next];
                contributions[n.Feature] += scale * (nextValue - current);
                current = nextValue;
                node = next;
            }
            sum += current;
        }
        return sum;
    }
}
