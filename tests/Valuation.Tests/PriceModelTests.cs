using Microsoft.ML;
using Microsoft.ML.Data;
using Platform.Valuation.Model;
using Platform.Valuation.Model.Evaluation;
using Platform.Valuation.Model.Prediction;
using Platform.Valuation.Model.Training;

namespace Platform.Valuation.Tests;

/// <summary>One small model shared by the tests that only read it.</summary>
public sealed class TrainedModelFixture
{
    public static readonly PriceTrainingOptions Options = new() { Seed = 3, Iterations = 150, LearningRate = 0.08 };
    public List<Model.Data.SaleRecord> Train { get; } = SyntheticSales.Create(600, seed: 1);
    public List<Model.Data.SaleRecord> Test { get; } = SyntheticSales.Create(400, seed: 2);
    public PriceModel Model { get; }

    public TrainedModelFixture() => Model = PriceModelTrainer.Train(Train, SyntheticSales.Schema, Options);
}

public class PriceModelTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    private PriceModel Model => fixture.Model;

    [Fact]
    public void Learns_the_synthetic_pricing_process()
    {
        var predicted = fixture.Test.Select(r => Model.PredictPrice(r).Estimate).ToArray();
        var m = MetricsCalculator.Compute([.. fixture.Test.Select(r => r.Price)], predicted);
        // Noise is 8 % (log sd), so a median error near 6-8 % is the floor; 15 % means the model learned little.
        Assert.True(m.MdAPE < 12, $"MdAPE {m.MdAPE}");
    }

    [Fact]
    public void Fast_path_matches_the_MLNET_model_it_was_extracted_from()
    {
        var ml = new MLContext(0);
        var transformer = ml.Model.Load(new MemoryStream(Model.MlNetModel), out _);
        int width = Model.FeatureNames.Count;
        var vectors = fixture.Test.Take(50).Select(r =>
        {
            var x = new float[width];
            Model.Encoder.Encode(r, x);
            return new Row { Features = x };
        }).ToList();
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        var scored = transformer.Transform(ml.Data.LoadFromEnumerable(vectors, definition));
        var scores = scored.GetColumn<float>("Score").ToArray();
        for (int i = 0; i < vectors.Count; i++)
            Assert.Equal(scores[i], Model.Ensemble.Predict(vectors[i].Features), 3);
    }

    private sealed class Row
    {
        public float Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    [Fact]
    public void Intervals_cover_about_the_requested_share()
    {
        int covered = fixture.Test.Count(r =>
        {
            var (_, low, high) = Model.PredictPrice(r);
            return r.Price >= low && r.Price <= high;
        });
        double coverage = 100.0 * covered / fixture.Test.Count;
        Assert.InRange(coverage, 72, 88); // 400 test rows: ±4 points is about two binomial standard errors
    }

    [Fact]
    public void Contributions_add_up_to_estimate_minus_baseline_in_price_units()
    {
        var row = fixture.Test[0];
        var e = Model.Predict(row, topContributions: 100);
        Assert.Equal(e.Estimate - e.Baseline + 1, e.Contributions.Sum(c => c.Amount) + 1, 6);
        Assert.True(e.Low < e.Estimate && e.Estimate < e.High);
        Assert.Contains(e.Contributions.Take(2), c => c.Feature is "area" or "location");
        Assert.Equal(e.Estimate, Model.PredictPrice(row).Estimate, 9);
    }

    [Fact]
    public void The_top_contributions_are_the_largest_by_size_largest_first()
    {
        foreach (var row in fixture.Test.Take(20))
        {
            var all = Model.Predict(row, topContributions: 100).Contributions;
            var expected = all.OrderByDescending(c => Math.Abs(c.Amount)).ThenBy(c => c.Feature, StringComparer.Ordinal).ToList();
            Assert.Equal(expected, all);
            Assert.Equal(expected.Take(3), Model.Predict(row, topContributions: 3).Contributions);
        }
    }

    [Fact]
    public void Save_and_load_round_trip_gives_identical_predictions()
    {
        var stream = new MemoryStream();
        Model.Save(stream);
        stream.Position = 0;
        var loaded = PriceModel.Load(stream);
        foreach (var row in fixture.Test.Take(20))
        {
            Assert.Equal(Model.PredictPrice(row), loaded.PredictPrice(row));
            Assert.Equal(Model.Predict(row, 3).Contributions, loaded.Predict(row, 3).Contributions);
        }
        Assert.Equal(Model.FindComparables(fixture.Test[0], 3), loaded.FindComparables(fixture.Test[0], 3));
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed()
    {
        var again = PriceModelTrainer.Train(fixture.Train, SyntheticSales.Schema, TrainedModelFixture.Options);
        foreach (var row in fixture.Test.Take(20)) Assert.Equal(Model.PredictPrice(row), again.PredictPrice(row));
    }

    [Fact]
    public void Comparables_are_closest_first_and_a_sold_home_finds_itself()
    {
        var sold = fixture.Train[10];
        var comps = Model.FindComparables(sold, 5);
        Assert.Equal(5, comps.Count);
        Assert.Equal(sold.Id, comps[0].PropertyId);
        Assert.Equal(0, comps[0].Distance, 9);
        Assert.True(comps.Zip(comps.Skip(1)).All(p => p.First.Distance <= p.Second.Distance));
    }

    [Fact]
    public void Validator_flags_bad_values_and_unknown_categories()
    {
        var row = new Model.Data.SaleRecord
        {
            Numeric = [double.PositiveInfinity, 9000],
            Categorical = ["castle"],
            Latitude = 50.1,
            Longitude = 14.1,
        };
        var strict = Model.Validate(row, strict: true);
        Assert.Contains(strict, i => i.Field == "area" && i.Severity == IssueSeverity.Error);
        Assert.Contains(strict, i => i.Field == "rooms" && i.Reason == InputReason.OutOfRange && i.Detail.Contains("training range"));
        Assert.Contains(strict, i => i.Field == "kind" && i.Severity == IssueSeverity.Error);
        Assert.Contains(Model.Validate(row), i => i.Field == "kind" && i.Severity == IssueSeverity.Warning);
        Assert.DoesNotContain(Model.Validate(fixture.Test[1]), i => i.Severity == IssueSeverity.Error);
    }
}
