using Platform.Valuation.Model;
using Platform.Valuation.Model.Evaluation;
using Platform.Valuation.Model.Training;

namespace Platform.Valuation.Tests;

public class HyperparameterSearchTests
{
    private static readonly List<Model.Data.SaleRecord> Train = SyntheticSales.Create(400, seed: 11);
    private static readonly List<Model.Data.SaleRecord> Test = SyntheticSales.Create(100, seed: 12);

    private static PriceTrainingOptions Tuned => new()
    {
        Seed = 4,
        Iterations = 120,
        LearningRate = 0.08,
        TuneSeconds = 120,
        TuneMaxTrials = 3,
        Ensemble = false,
    };

    [Fact]
    public void Search_is_deterministic_for_a_seed_and_records_every_trial_and_the_choice()
    {
        var a = PriceModelTrainer.Train(Train, SyntheticSales.Schema, Tuned);
        var b = PriceModelTrainer.Train(Train, SyntheticSales.Schema, Tuned);
        var t = a.Training!;
        Assert.Equal(3, t.Trials.Count);
        Assert.False(t.StoppedByBudget);
        Assert.Equal(t.Trials.Select(x => x.Parameters), b.Training!.Trials.Select(x => x.Parameters));
        Assert.Equal(t.Trials.Select(x => x.CvMeanAbsLogError), b.Training.Trials.Select(x => x.CvMeanAbsLogError));
        foreach (var row in Test.Take(20)) Assert.Equal(a.PredictPrice(row), b.PredictPrice(row));
        // The chosen settings are the best trial's, with early stopping's iteration count.
        var best = t.Trials.MinBy(x => x.CvMeanAbsLogError)!;
        Assert.Equal(best.Parameters, t.Chosen);
        Assert.True(t.Chosen.Iterations <= (best.Index == 0 ? 120 : 1500));
        Assert.Equal("3", t.Describe()["tune_trials"]);
        Assert.Contains("chosen.learning_rate", t.Describe().Keys);
    }

    [Fact]
    public void A_different_seed_tries_different_candidates()
    {
        var a = PriceModelTrainer.Train(Train, SyntheticSales.Schema, Tuned);
        var b = PriceModelTrainer.Train(Train, SyntheticSales.Schema, Tuned with { Seed = 5 });
        Assert.NotEqual(a.Training!.Trials[1].Parameters, b.Training!.Trials[1].Parameters);
    }

    [Fact]
    public void The_budget_stops_the_search()
    {
        var model = PriceModelTrainer.Train(Train, SyntheticSales.Schema, Tuned with { TuneSeconds = 0.001, TuneMaxTrials = 40 });
        // The default candidate always completes; the budget is gone before the second.
        Assert.Single(model.Training!.Trials);
        Assert.True(model.Training.StoppedByBudget);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    public void A_budget_that_is_not_positive_is_refused_before_training(double budget)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => PriceModelTrainer.Train(Train, SyntheticSales.Schema, Tuned with { TuneSeconds = budget }));
        Assert.Contains("--tune-seconds", e.Message);
    }

    [Fact]
    public void A_constant_target_and_too_few_rows_are_refused()
    {
        var flat = Train.Take(50).Select(r => new Model.Data.SaleRecord
        {
            Price = 1000,
            Numeric = r.Numeric,
            Categorical = r.Categorical,
            Latitude = r.Latitude,
            Longitude = r.Longitude,
            UsableArea = r.UsableArea,
        }).ToList();
        Assert.Contains("constant", Assert.Throws<ArgumentException>(() => PriceModelTrainer.Train(flat, SyntheticSales.Schema)).Message);
        Assert.Contains("5-fold", Assert.Throws<ArgumentException>(() => PriceModelTrainer.Train(Train.Take(15).ToList(), SyntheticSales.Schema)).Message);
    }
}

public class BlendTests
{
    [Fact]
    public void Blend_weights_are_non_negative_sum_to_one_and_ignore_a_useless_member()
    {
        var random = new Random(1);
        int n = 2000;
        var y = Enumerable.Range(0, n).Select(_ => (float)(10 + random.NextDouble())).ToArray();
        var a = y.Select(v => v + 0.1 * (random.NextDouble() - 0.5)).ToArray();
        var b = y.Select(v => v + 0.1 * (random.NextDouble() - 0.5)).ToArray();
        var junk = y.Select(_ => 10 + random.NextDouble()).ToArray();
        var w = BlendFitter.Fit([a, b, junk], y, [.. Enumerable.Range(0, n)]);
        Assert.All(w, x => Assert.True(x >= 0));
        Assert.Equal(1, w.Sum(), 9);
        Assert.Equal(0, w[2]);
        Assert.InRange(w[0], 0.3, 0.7); // two equally good, independent members share the weight
    }

    [Fact]
    public void A_blended_model_explains_and_serves_with_intervals_and_survives_a_round_trip()
    {
        var train = SyntheticSales.Create(500, seed: 21);
        var test = SyntheticSales.Create(50, seed: 22);
        var single = PriceModelTrainer.Train(train, SyntheticSales.Schema, new PriceTrainingOptions { Seed = 2, Iterations = 100, LearningRate = 0.1 });
        // A blend forced onto the trained model: its LightGBM trees plus a ridge model fitted on the same slots.
        var (encoder, x) = Model.Features.FeatureEncoder.FitTransform(train, SyntheticSales.Schema, new Model.Features.FeatureEncoderOptions { Seed = 2 });
        var y = train.Select(r => (float)double.LogP1(r.Price)).ToArray();
        var ridge = RidgeFitter.Fit(x, y, [.. Enumerable.Range(0, x.Length)], RidgeFitter.Choose(x, encoder.SlotNames), [0.01])[0];
        var blended = new PriceModel(single.State with
        {
            Members = [new BlendMember { Name = "LightGbm", Weight = 0.7, Trees = single.State.Ensemble }, new BlendMember { Name = "Ridge", Weight = 0.3, Linear = ridge }],
        }, single.MlNetModel);
        foreach (var row in test.Take(10))
        {
            var e = blended.Predict(row, topContributions: 100);
            Assert.Equal(1, (e.Contributions.Sum(c => c.Amount) + e.Baseline) / e.Estimate, 9);
            Assert.True(e.Low < e.Estimate && e.Estimate < e.High);
            Assert.Equal(e.Estimate, blended.PredictPrice(row).Estimate, 9);
            var encoded = new float[encoder.Width];
            single.Encoder.Encode(row, encoded);
            Assert.Equal(0.7 * single.Ensemble.Predict(encoded) + 0.3 * ridge.Predict(encoded), double.LogP1(e.Estimate), 9);
        }
        var stream = new MemoryStream();
        blended.Save(stream);
        stream.Position = 0;
        var loaded = PriceModel.Load(stream);
        foreach (var row in test.Take(10))
        {
            Assert.Equal(blended.PredictPrice(row), loaded.PredictPrice(row));
            Assert.Equal(blended.Predict(row, 3).Contributions, loaded.Predict(row, 3).Contributions);
        }
    }

    [Fact]
    public void The_ensemble_report_names_three_members_and_keeps_a_blend_only_when_it_beats_the_best_single_model()
    {
        var model = PriceModelTrainer.Train(SyntheticSales.Create(500, seed: 31), SyntheticSales.Schema,
            new PriceTrainingOptions { Seed = 2, Iterations = 100, LearningRate = 0.1 });
        var t = model.Training!;
        Assert.Equal(["LightGbm", "FastTree", "Ridge"], t.Members.Select(m => m.Name));
        Assert.Equal(1, t.Members.Sum(m => m.Weight), 9);
        var bestSingle = t.Members.Min(m => m.CvMeanAbsLogError);
        if (t.BlendKept) Assert.True(t.Blend!.CvMeanAbsLogError < bestSingle);
        else Assert.Single(t.Members, m => m.Weight == 1);
    }
}

public class AdaptiveIntervalTests
{
    [Fact]
    public void Intervals_cover_the_level_and_are_wider_where_prices_are_noisier()
    {
        // Villas carry four times the noise of the other kinds.
        var train = SyntheticSales.Create(2500, seed: 41, villaNoise: 0.32);
        var test = SyntheticSales.Create(1500, seed: 42, villaNoise: 0.32);
        var model = PriceModelTrainer.Train(train, SyntheticSales.Schema, new PriceTrainingOptions { Seed = 3, Iterations = 150, LearningRate = 0.08, Ensemble = false });
        Assert.True(model.AdaptiveIntervals);
        var actual = test.Select(r => r.Price).ToArray();
        var p = test.Select(model.PredictPrice).ToArray();
        var study = IntervalStudyCalculator.Compute("adaptive", 0.8, actual, [.. p.Select(x => x.Estimate)], [.. p.Select(x => x.Low)], [.. p.Select(x => x.High)],
            [.. test.Select(r => r.Segment)], [.. test.Select(_ => model.IntervalLogHalfWidth)]);
        Assert.InRange(study.Overall.Coverage, 76, 84); // 1,500 rows: ±4 points is about four binomial standard errors
        var villa = study.Segments.Single(s => s.Segment == "villa").Statistics;
        var house = study.Segments.Single(s => s.Segment == "house").Statistics;
        Assert.True(villa.MeanRelativeWidth > 1.5 * house.MeanRelativeWidth, $"villa {villa.MeanRelativeWidth}, house {house.MeanRelativeWidth}");
        Assert.InRange(villa.Coverage, 70, 90);
        Assert.InRange(house.Coverage, 70, 90);
        // A flat interval of the same coverage leaves the noisy villas badly uncovered and is wider for the easy houses.
        double h = model.IntervalLogHalfWidth;
        var flat = IntervalStudyCalculator.Compute("flat", 0.8, actual, [.. p.Select(x => x.Estimate)],
            [.. p.Select(x => double.ExpM1(double.LogP1(x.Estimate) - h))], [.. p.Select(x => double.ExpM1(double.LogP1(x.Estimate) + h))], [.. test.Select(r => r.Segment)]);
        Assert.True(flat.Segments.Single(s => s.Segment == "villa").Statistics.Coverage < 65);
        Assert.True(house.MeanRelativeWidth < flat.Segments.Single(s => s.Segment == "house").Statistics.MeanRelativeWidth);
    }
}

public class RatioStudyTests
{
    [Fact]
    public void Statistics_match_a_hand_computed_example()
    {
        double[] price = [100, 200, 300, 400];
        double[] estimate = [110, 190, 300, 380]; // ratios 1.10, 0.95, 1.00, 0.95
        var r = RatioStudyCalculator.Compute(price, estimate);
        Assert.Equal(0.975, r.MedianRatio, 9);
        // mean |ratio − 0.975| = (0.125 + 0.025 + 0.025 + 0.025) / 4 = 0.05
        Assert.Equal(100 * 0.05 / 0.975, r.Cod, 9);
        // mean ratio 1.0 over the weighted mean 980 / 1000
        Assert.Equal(1.0 / 0.98, r.Prd, 9);
        Assert.True(r.Prb < 0); // the cheap home is over-assessed, the dear ones under: regressive
        Assert.DoesNotContain("COD", r.Flags); // 5.13 is inside 5–15
        Assert.DoesNotContain("PRD", r.Flags); // 1.020 is inside 0.98–1.03
        Assert.DoesNotContain("median_ratio", r.Flags);
    }

    [Fact]
    public void Regressive_estimates_are_flagged_and_fair_ones_are_not()
    {
        var random = new Random(3);
        var price = Enumerable.Range(0, 2000).Select(_ => Math.Exp(11 + 1.5 * random.NextDouble())).ToArray();
        var fair = price.Select(p => p * Math.Exp(0.2 * (random.NextDouble() - 0.5))).ToArray();
        var regressive = price.Select(p => Math.Pow(p, 0.8) * Math.Exp(0.2 * 12)).ToArray();
        var good = RatioStudyCalculator.Compute(price, fair);
        foreach (var flag in new[] { "median_ratio", "PRD", "PRB" }) Assert.DoesNotContain(flag, good.Flags);
        var bad = RatioStudyCalculator.Compute(price, regressive);
        Assert.Contains("PRB", bad.Flags);
        Assert.True(bad.Prd > 1);
    }

    [Fact]
    public void The_summary_carries_the_ratio_study_per_segment()
    {
        var s = MetricsCalculator.Summarise([100, 200, 300, 400], [110, 190, 300, 380], ["a", "a", "b", "b"]);
        Assert.Equal(["a", "b"], s.Ratios!.Segments.Select(x => x.Segment));
        Assert.Equal(2, s.Ratios.Segments[0].Statistics.Count);
    }
}
