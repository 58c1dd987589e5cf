using System.Runtime.CompilerServices;

namespace Platform.Valuation.Model.Prediction;

/// <summary>How the trees of a <see cref="TreeEnsemble"/> are laid out for evaluation; outputs exclude the bias.</summary>
internal abstract class TreeLayout
{
    /// <summary>
    /// Trees no deeper than this are padded to complete trees (at most 64 leaves each); deeper ones, whose padding would
    /// grow as 2^depth, walk their linked nodes.
    /// </summary>
    public const int MaxCompleteDepth = 6;

    public abstract double Predict(ReadOnlySpan<float> x);

    /// <summary>Adds <paramref name="scale"/> × each split's change of node value to its feature's slot (Saabas).</summary>
    public abstract double PredictWithContributions(ReadOnlySpan<float> x, Span<double> contributions, double scale);

    /// <summary>
    /// Trees grouped by depth, each group padded to complete trees of that depth, and the deeper trees linked. Within a
    /// group trees keep their order; the groups' sums are added shallowest first, which can change the last bit of a sum.
    /// </summary>
    public static TreeLayout For(TreeEnsemble ensemble)
    {
        var byDepth = ensemble.Trees.GroupBy(tree => Math.Min(Depth(tree, 0), MaxCompleteDepth + 1)).OrderBy(group => group.Key);
        TreeLayout[] groups = [.. byDepth.Select(group => group.Key <= MaxCompleteDepth
            ? new CompleteTreeLayout([.. group], group.Key)
            : (TreeLayout)new LinkedTreeLayout([.. group]))];
        return groups.Length == 1 ? groups[0] : new GroupedTreeLayout(groups);
    }

    /// <summary>Depth of the subtree under <paramref name="node"/> (0 for a leaf, ML.NET's ~leaf convention).</summary>
    private static int Depth(TreeEnsemble.FlatTree tree, int node) =>
        node < 0 || tree.Left.Length == 0 ? 0 : 1 + Math.Max(Depth(tree, tree.Left[node]), Depth(tree, tree.Right[node]));

    /// <summary>A node's output weighted by its tree: the leaf value, or the mean training output under an internal node.</summary>
    protected static double WeightedValue(TreeEnsemble.FlatTree tree, int node) =>
        node < 0 ? tree.Weight * tree.Leaf[~node] : tree.NodeValue.Length > node ? tree.Weight * tree.NodeValue[node] : 0;

    protected readonly record struct Split(int Feature, float Threshold);
}

/// <summary>Several layouts, one per group of trees, evaluated one after the other.</summary>
internal sealed class GroupedTreeLayout(TreeLayout[] groups) : TreeLayout
{
    public IReadOnlyList<TreeLayout> Groups => groups;

    public override double Predict(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (var group in groups) sum += group.Predict(x);
        return sum;
    }

    public override double PredictWithContributions(ReadOnlySpan<float> x, Span<double> contributions, double scale)
    {
        double sum = 0;
        foreach (var group in groups) sum += group.PredictWithContributions(x, contributions, scale);
        return sum;
    }
}

/// <summary>
/// Trees padded to one depth and stored in heap order (children of node i at 2i+1 and 2i+2). A row takes
/// exactly <c>depth</c> steps per tree and each step picks its child by arithmetic, so the walk has no data-dependent branch
/// for the processor to mispredict: with boosted trees of a few leaves that misprediction, not the memory reads, was
/// most of the cost. A leaf above the full depth becomes a split whose both sides hold that leaf, with no change of value,
/// so it adds nothing to any contribution.
/// </summary>
internal sealed class CompleteTreeLayout : TreeLayout
{
    private readonly int _depth;
    private readonly int _splitsPerTree;
    private readonly int _leavesPerTree;
    private readonly int _treeCount;
    // Tree-major: _splitsPerTree splits, then (for deltas) all 2^(depth+1) - 1 node positions, then 2^depth leaves per tree.
    private readonly Split[] _splits;
    private readonly double[] _deltas;
    private readonly double[] _leaves;

    public CompleteTreeLayout(TreeEnsemble.FlatTree[] trees, int depth)
    {
        _depth = depth;
        _leavesPerTree = 1 << depth;
        _splitsPerTree = _leavesPerTree - 1;
        _treeCount = trees.Length;
        int positions = _splitsPerTree + _leavesPerTree;
        _splits = new Split[trees.Length * _splitsPerTree];
        _deltas = new double[trees.Length * positions];
        _leaves = new double[trees.Length * _leavesPerTree];
        for (int t = 0; t < trees.Length; t++)
        {
            var tree = trees[t];
            int root = tree.Left.Length == 0 ? ~0 : 0;
            Fill(tree, root, WeightedValue(tree, root), position: 0, t);
        }
    }

    /// <summary>Places the original <paramref name="node"/> (value <paramref name="value"/>) at heap <paramref name="position"/>.</summary>
    private void Fill(TreeEnsemble.FlatTree tree, int node, double value, int position, int t)
    {
        if (position >= _splitsPerTree)
        {
            _leaves[t * _leavesPerTree + position - _splitsPerTree] = value;
            return;
        }
        if (node < 0)
        {
            // A leaf above the full depth: both sides repeat it, so the direction taken does not matter.
            _splits[t * _splitsPerTree + position] = new Split(0, float.PositiveInfinity);
            FillChild(tree, node, value, value, 2 * position + 1, t);
            FillChild(tree, node, value, value, 2 * position + 2, t);
            return;
        }
        _splits[t * _splitsPerTree + position] = new Split(tree.Feature[node], tree.Threshold[node]);
        FillChild(tree, tree.Left[node], WeightedValue(tree, tree.Left[node]), value, 2 * position + 1, t);
        FillChild(tree, tree.Right[node], WeightedValue(tree, tree.Right[node]), value, 2 * position + 2, t);
    }

    /// <summary>Places a child at <paramref name="position"/> with its change of value from its parent.</summary>
    private void FillChild(TreeEnsemble.FlatTree tree, int node, double value, double parentValue, int position, int t)
    {
        _deltas[t * (_splitsPerTree + _leavesPerTree) + position] = value - parentValue;
        Fill(tree, node, value, position, t);
    }

    /// <summary>
    /// The child a value goes to, by ML.NET's rule (left when value ≤ threshold, so NaN goes right). The comparison becomes
    /// a 0 or 1 added to the index: written as a conditional, the JIT emits a branch, mispredicted on half the splits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Child(int position, float value, float threshold) =>
        2 * position + 2 - Unsafe.BitCast<bool, byte>(value <= threshold);

    public override double Predict(ReadOnlySpan<float> x)
    {
        var splits = _splits.AsSpan();
        var leaves = _leaves.AsSpan();
        double sum = 0;
        for (int t = 0; t < _treeCount; t++)
        {
            var tree = splits.Slice(t * _splitsPerTree, _splitsPerTree);
            int position = 0;
            for (int level = 0; level < _depth; level++)
            {
                var split = tree[position];
                position = Child(position, x[split.Feature], split.Threshold);
            }
            sum += leaves[t * _leavesPerTree + position - _splitsPerTree];
        }
        return sum;
    }

    public override double PredictWithContributions(ReadOnlySpan<float> x, Span<double> contributions, double scale)
    {
        var splits = _splits.AsSpan();
        var leaves = _leaves.AsSpan();
        int positions = _splitsPerTree + _leavesPerTree;
        double sum = 0;
        for (int t = 0; t < _treeCount; t++)
        {
            var tree = splits.Slice(t * _splitsPerTree, _splitsPerTree);
            var deltas = _deltas.AsSpan(t * positions, positions);
            int position = 0;
            for (int level = 0; level < _depth; level++)
            {
                var split = tree[position];
                position = Child(position, x[split.Feature], split.Threshold);
                contributions[split.Feature] += scale * deltas[position];
            }
            sum += leaves[t * _leavesPerTree + position - _splitsPerTree];
        }
        return sum;
    }
}

/// <summary>
/// All trees' splits in one array (children as absolute indices, ~leaf for leaves) and all weighted leaf values in
/// another, so a deep tree walks contiguous memory and only its own path.
/// </summary>
internal sealed class LinkedTreeLayout : TreeLayout
{
    private readonly record struct LinkedSplit(int Feature, float Threshold, int Left, int Right);

    private readonly LinkedSplit[] _splits;
    private readonly int[] _roots;
    private readonly double[] _leaves;
    private readonly double[] _nodeValues;

    public LinkedTreeLayout(TreeEnsemble.FlatTree[] trees)
    {
        var splits = new List<LinkedSplit>();
        var nodeValues = new List<double>();
        var leaves = new List<double>();
        _roots = new int[trees.Length];
        for (int t = 0; t < trees.Length; t++)
        {
            var tree = trees[t];
            int splitBase = splits.Count, leafBase = leaves.Count;
            for (int leaf = 0; leaf < tree.Leaf.Length; leaf++) leaves.Add(WeightedValue(tree, ~leaf));
            if (tree.Left.Length == 0) { _roots[t] = ~leafBase; continue; }
            _roots[t] = splitBase;
            int Map(int child) => child < 0 ? ~(leafBase + ~child) : splitBase + child;
            for (int n = 0; n < tree.Left.Length; n++)
            {
                splits.Add(new LinkedSplit(tree.Feature[n], tree.Threshold[n], Map(tree.Left[n]), Map(tree.Right[n])));
                nodeValues.Add(WeightedValue(tree, n));
            }
        }
        _splits = [.. splits];
        _leaves = [.. leaves];
        _nodeValues = [.. nodeValues];
    }

    public override double Predict(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (int root in _roots)
        {
            int node = root;
            while (node >= 0)
            {
                ref readonly var split = ref _splits[node];
                node = x[split.Feature] <= split.Threshold ? split.Left : split.Right;
            }
            sum += _leaves[~node];
        }
        return sum;
    }

    public override double PredictWithContributions(ReadOnlySpan<float> x, Span<double> contributions, double scale)
    {
        double sum = 0;
        foreach (int root in _roots)
        {
            if (root < 0) { sum += _leaves[~root]; continue; }
            int node = root;
            double current = _nodeValues[node];
            while (node >= 0)
            {
                ref readonly var split = ref _splits[node];
                int next = x[split.Feature] <= split.Threshold ? split.Left : split.Right;
                double nextValue = next < 0 ? _leaves[~next] : _nodeValues[next];
                contributions[split.Feature] += scale * (nextValue - current);
                current = nextValue;
                node = next;
            }
            sum += current;
        }
        return sum;
    }
}
