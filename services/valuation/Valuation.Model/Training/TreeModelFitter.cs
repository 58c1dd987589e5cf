using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Model.Training;

/// <summary>Fits an ML.NET boosted-tree regressor on log1p(price) over ready-made feature vectors.</summary>
internal static class TreeModelFitter
{
    private sealed class Example
    {
        public float Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    public sealed record Fitted(TreeEnsemble Ensemble, byte[] MlNetModel);

    public static Fitted Fit(IReadOnlyList<float[]> features, IReadOnlyList<double> prices, PriceTrainingOptions o)
    {
        int width = features[0].Length;
        var ml = new MLContext(o.Seed);
        var definition = SchemaDefinition.Create(typeof(Example));
        definition[nameof(Example.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        var examples = Enumerable.Range(0, features.Count)
            .Select(i => new Example { Label = (float)double.LogP1(prices[i]), Features = features[i] });
        var data = ml.Data.LoadFromEnumerable(examples, definition);
        if (features.Count >= o.LargeDataRows)
            o = o with { Iterations = Math.Min(o.Iterations, 200), Leaves = Math.Max(o.Leaves, 31), LearningRate = Math.Max(o.LearningRate, 0.1) };
        int threads = Math.Max(1, o.Threads);
        // Small data sets need leaves that can still hold a few sales each.
        int minLeaf = Math.Max(o.MinRowsPerLeaf, features.Count / 2000);

        ITransformer model;
        RegressionTreeEnsembleSource source;
        if (o.Trainer == PriceTrainerKind.LightGbm)
        {
            var trainer = ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
            {
                NumberOfLeaves = o.Leaves,
                MinimumExampleCountPerLeaf = minLeaf,
                LearningRate = o.LearningRate,
                NumberOfIterations = o.Iterations,
                NumberOfThreads = threads,
                Seed = o.Seed,
                Verbose = false,
                Silent = true,
                Booster = new GradientBooster.Options
                {
                    L2Regularization = o.L2,
                    FeatureFraction = o.FeatureFraction,
                    SubsampleFraction = o.SubsampleFraction,
                    SubsampleFrequency = o.SubsampleFraction < 1 ? 1 : 0,
                },
            });
            var fitted = trainer.Fit(data);
            model = fitted;
            source = new(fitted.Model.TrainedTreeEnsemble);
        }
        else
        {
            var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
            {
                NumberOfLeaves = o.Leaves,
                MinimumExampleCountPerLeaf = minLeaf,
                LearningRate = o.LearningRate,
                NumberOfTrees = o.Iterations,
                NumberOfThreads = threads,
                FeatureFraction = o.FeatureFraction,
                Seed = o.Seed,
            });
            var fitted = trainer.Fit(data);
            model = fitted;
            source = new(fitted.Model.TrainedTreeEnsemble);
        }

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        var ensemble = TreeEnsemble.From(source.Ensemble);
        ensemble.ComputeNodeValues(features);
        return new Fitted(ensemble, stream.ToArray());
    }

    private readonly record struct RegressionTreeEnsembleSource(RegressionTreeEnsemble Ensemble);
}
