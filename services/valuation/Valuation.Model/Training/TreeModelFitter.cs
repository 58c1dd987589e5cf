using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Model.Training;

/// <summary>Fits an ML.NET boosted-tree regressor over ready-made feature vectors and labels (log1p(price) for price models).</summary>
internal static class TreeModelFitter
{
    private sealed class Example
    {
        public float Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    /// <summary>The flattened trees, and the ML.NET model they came from when it was asked for (empty otherwise).</summary>
    public sealed record Fitted(TreeEnsemble Ensemble, byte[] MlNetModel);

    public static Fitted Fit(IReadOnlyList<float[]> features, IReadOnlyList<double> prices, PriceTrainingOptions o)
    {
        var p = BoostingParameters.From(o);
        if (features.Count >= o.LargeDataRows) p = ForLargeData(p);
        return Fit(features, [.. prices.Select(v => (float)double.LogP1(v))], p, o.Trainer, o.Seed, o.Threads, saveMlNet: true);
    }

    /// <summary>Large data supports fewer, larger trees at a higher learning rate; prediction cost grows with the number of trees.</summary>
    public static BoostingParameters ForLargeData(BoostingParameters p) => p with
    {
        Iterations = Math.Min(p.Iterations, 200),
        Leaves = Math.Max(p.Leaves, 31),
        LearningRate = Math.Max(p.LearningRate, 0.1),
    };

    public static Fitted Fit(
        IReadOnlyList<float[]> features, IReadOnlyList<float> labels, BoostingParameters p, PriceTrainerKind kind, int seed, int threads,
        bool saveMlNet = false, bool contributions = true)
    {
        int width = features[0].Length;
        var ml = new MLContext(seed);
        var definition = SchemaDefinition.Create(typeof(Example));
        definition[nameof(Example.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        var examples = Enumerable.Range(0, features.Count).Select(i => new Example { Label = labels[i], Features = features[i] });
        var data = ml.Data.LoadFromEnumerable(examples, definition);
        threads = Math.Max(1, threads);
        // Small data sets need leaves that can still hold a few sales each.
        int minLeaf = Math.Max(p.MinRowsPerLeaf, features.Count / 2000);

        ITransformer model;
        RegressionTreeEnsemble source;
        if (kind == PriceTrainerKind.LightGbm)
        {
            var trainer = ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
            {
                NumberOfLeaves = p.Leaves,
                MinimumExampleCountPerLeaf = minLeaf,
                LearningRate = p.LearningRate,
                NumberOfIterations = p.Iterations,
                NumberOfThreads = threads,
                Seed = seed,
                Verbose = false,
                Silent = true,
                Booster = new GradientBooster.Options
                {
                    L1Regularization = p.L1,
                    L2Regularization = p.L2,
                    FeatureFraction = p.FeatureFraction,
                    SubsampleFraction = p.SubsampleFraction,
                    SubsampleFrequency = p.SubsampleFraction < 1 ? 1 : 0,
                },
            });
            var fitted = trainer.Fit(data);
            model = fitted;
            source = fitted.Model.TrainedTreeEnsemble;
        }
        else
        {
            var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
            {
                NumberOfLeaves = p.Leaves,
                MinimumExampleCountPerLeaf = minLeaf,
                LearningRate = p.LearningRate,
                NumberOfTrees = p.Iterations,
                NumberOfThreads = threads,
                FeatureFraction = p.FeatureFraction,
                Seed = seed,
            });
            var fitted = trainer.Fit(data);
            model = fitted;
            source = fitted.Model.TrainedTreeEnsemble;
        }

        byte[] bytes = [];
        if (saveMlNet)
        {
            using var stream = new MemoryStream();
            ml.Model.Save(model, data.Schema, stream);
            bytes = stream.ToArray();
        }
        var ensemble = TreeEnsemble.From(source);
        if (contributions) ensemble.ComputeNodeValues(features);
        return new Fitted(ensemble, bytes);
    }
}
