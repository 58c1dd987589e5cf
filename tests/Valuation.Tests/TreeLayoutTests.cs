using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Tests;

/// <summary>
/// The depth-grouped, padded layout must give what the linked walk gives: the same output and contributions up to the
/// order of summation, on trees of every shape and depth, with missing values, single-leaf trees and blend weights.
/// </summary>
public class TreeLayoutTests
{
    private const int Features = 5;

    [Fact]
    public void Padded_groups_match_the_linked_walk()
    {
        for (int seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var ensemble = RandomEnsemble(random, maxDepth: 1 + seed % (TreeLayout.MaxCompleteDepth + 3));
            var layout = TreeLayout.For(ensemble);
            var linked = new LinkedTreeLayout(ensemble.Trees);
            for (int row = 0; row < 20; row++)
            {
                var x = RandomRow(random);
                double scale = 0.25 + random.NextDouble();
                var expected = new double[Features];
                var actual = new double[Features];
                Close(linked.PredictWithContributions(x, expected, scale), layout.PredictWithContributions(x, actual, scale));
                for (int f = 0; f < Features; f++) Close(expected[f], actual[f]);
                Close(linked.Predict(x), layout.Predict(x));
                Close(Reference(ensemble, x), ensemble.Predict(x));
            }
        }
    }

    [Fact]
    public void Trees_of_one_depth_are_one_padded_group_and_match_the_linked_walk_to_the_bit()
    {
        var random = new Random(3);
        var ensemble = new TreeEnsemble { Bias = 0, Trees = [.. Enumerable.Range(0, 30).Select(_ => Chain(random, 3))] };
        var layout = TreeLayout.For(ensemble);
        Assert.IsType<CompleteTreeLayout>(layout);
        var linked = new LinkedTreeLayout(ensemble.Trees);
        for (int row = 0; row < 50; row++)
        {
            var x = RandomRow(random);
            var expected = new double[Features];
            var actual = new double[Features];
            Assert.Equal(linked.PredictWithContributions(x, expected, 0.7), layout.PredictWithContributions(x, actual, 0.7));
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Trees_deeper_than_the_padding_limit_walk_their_links()
    {
        var random = new Random(7);
        var ensemble = new TreeEnsemble
        {
            Bias = 0.5,
            Trees = [Chain(random, TreeLayout.MaxCompleteDepth + 1), Chain(random, 2), Chain(random, TreeLayout.MaxCompleteDepth + 4)],
        };
        var groups = Assert.IsType<GroupedTreeLayout>(TreeLayout.For(ensemble)).Groups;
        Assert.Collection(groups, g => Assert.IsType<CompleteTreeLayout>(g), g => Assert.IsType<LinkedTreeLayout>(g));
        var x = RandomRow(random);
        Close(Reference(ensemble, x), ensemble.Predict(x));
    }

    [Fact]
    public void An_ensemble_of_single_leaves_is_its_bias_plus_the_leaves()
    {
        var leaf = new TreeEnsemble.FlatTree { Weight = 2, Left = [], Right = [], Feature = [], Threshold = [], Leaf = [0.25] };
        var ensemble = new TreeEnsemble { Bias = 1, Trees = [leaf, leaf] };
        var contributions = new double[Features];
        Assert.Equal(2, ensemble.PredictWithContributions(RandomRow(new Random(1)), contributions));
        Assert.All(contributions, c => Assert.Equal(0, c));
    }

    private static void Close(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * (1 + Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    /// <summary>The plainest evaluation: each tree's own leaf lookup, summed in tree order.</summary>
    private static double Reference(TreeEnsemble ensemble, float[] x)
    {
        double sum = ensemble.Bias;
        foreach (var tree in ensemble.Trees) sum += tree.Weight * tree.Leaf[tree.LeafOf(x)];
        return sum;
    }

    private static float[] RandomRow(Random random) =>
        [.. Enumerable.Range(0, Features).Select(_ => random.Next(10) == 0 ? float.NaN : (float)random.NextDouble())];

    private static TreeEnsemble RandomEnsemble(Random random, int maxDepth)
    {
        var trees = new TreeEnsemble.FlatTree[1 + random.Next(12)];
        for (int t = 0; t < trees.Length; t++)
        {
            trees[t] = random.Next(8) == 0
                ? new TreeEnsemble.FlatTree { Weight = 1, Left = [], Right = [], Feature = [], Threshold = [], Leaf = [random.NextDouble()] }
                : RandomTree(random, maxDepth);
        }
        return new TreeEnsemble { Bias = random.NextDouble(), Trees = trees };
    }

    /// <summary>A tree of random shape in ML.NET's form: internal nodes 0.., children ~leaf for leaves, node values set.</summary>
    private static TreeEnsemble.FlatTree RandomTree(Random random, int maxDepth)
    {
        var left = new List<int>();
        var right = new List<int>();
        var feature = new List<int>();
        var threshold = new List<float>();
        var leaves = new List<double>();
        var nodeValues = new List<double>();

        int Grow(int depth)
        {
            if (depth == maxDepth || (depth > 0 && random.Next(3) == 0))
            {
                leaves.Add(random.NextDouble() * 2 - 1);
                return ~(leaves.Count - 1);
            }
            int node = left.Count;
            left.Add(0);
            right.Add(0);
            feature.Add(random.Next(Features));
            threshold.Add((float)random.NextDouble());
            nodeValues.Add(random.NextDouble() * 2 - 1);
            left[node] = Grow(depth + 1);
            right[node] = Grow(depth + 1);
            return node;
        }

        Grow(0);
        return new TreeEnsemble.FlatTree
        {
            Weight = 0.5 + random.NextDouble(),
            Left = [.. left],
            Right = [.. right],
            Feature = [.. feature],
            Threshold = [.. threshold],
            Leaf = [.. leaves],
            NodeValue = [.. nodeValues],
        };
    }

    /// <summary>A tree that always splits on its right side, <paramref name="depth"/> levels deep.</summary>
    private static TreeEnsemble.FlatTree Chain(Random random, int depth)
    {
        int[] Range(Func<int, int> f) => [.. Enumerable.Range(0, depth).Select(f)];
        return new TreeEnsemble.FlatTree
        {
            Weight = 1,
            Left = Range(n => ~n),
            Right = Range(n => n + 1 < depth ? n + 1 : ~depth),
            Feature = Range(n => n % Features),
            Threshold = [.. Enumerable.Range(0, depth).Select(_ => (float)random.NextDouble())],
            Leaf = [.. Enumerable.Range(0, depth + 1).Select(_ => random.NextDouble())],
            NodeValue = [.. Enumerable.Range(0, depth).Select(_ => random.NextDouble())],
        };
    }
}
