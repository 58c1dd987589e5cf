using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;

namespace Platform.PortfolioTwin.Tests;

public sealed class TwinEvaluatorTests
{
    [Fact]
    public void Auc_counts_ties_half_and_orders_correctly()
    {
        Assert.Equal(1.0, TwinEvaluator.Auc([(0.9f, true), (0.1f, false)]));
        Assert.Equal(0.0, TwinEvaluator.Auc([(0.1f, true), (0.9f, false)]));
        Assert.Equal(0.5, TwinEvaluator.Auc([(0.5f, true), (0.5f, false)]));
        Assert.Equal(0.75, TwinEvaluator.Auc([(0.8f, true), (0.4f, true), (0.6f, false), (0.2f, false)]));
    }

    [Fact]
    public void Roc_curve_steps_through_each_distinct_score_and_its_area_is_the_auc()
    {
        (float, bool)[] pairs = [(0.8f, true), (0.6f, false), (0.4f, true), (0.2f, false)];
        var curve = TwinEvaluator.RocCurve(pairs);
        Assert.Equal([(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)], curve.Select(p => (p.FalsePositiveRate, p.TruePositiveRate)));
        Assert.Null(curve[0].Threshold);
        Assert.Equal(0.6f, (float)curve[2].Threshold!.Value);
        Assert.Equal(TwinEvaluator.Auc(pairs), Area(curve), 10);

        // Tied scores move together: one diagonal step, area one half like the rank-sum AUC.
        Assert.Equal([(0.0, 0.0), (1.0, 1.0)], TwinEvaluator.RocCurve([(0.5f, true), (0.5f, false)]).Select(p => (p.FalsePositiveRate, p.TruePositiveRate)));
    }

    [Fact]
    public void Roc_curve_is_thinned_to_at_most_max_points_keeping_both_ends()
    {
        var random = new Random(5);
        var pairs = Enumerable.Range(0, 2000).Select(i => ((float)random.NextDouble() + (i % 2 == 0 ? 0.3f : 0f), i % 2 == 0)).ToArray();
        var full = TwinEvaluator.RocCurve(pairs, maxPoints: int.MaxValue);
        var thinned = TwinEvaluator.RocCurve(pairs, maxPoints: 51);

        Assert.True(full.Count > 1000);
        Assert.Equal(51, thinned.Count);
        Assert.Equal((0.0, 0.0), (thinned[0].FalsePositiveRate, thinned[0].TruePositiveRate));
        Assert.Equal((1.0, 1.0), (thinned[^1].FalsePositiveRate, thinned[^1].TruePositiveRate));
        Assert.True(thinned.Zip(thinned.Skip(1)).All(p => p.Second.FalsePositiveRate >= p.First.FalsePositiveRate && p.Second.TruePositiveRate >= p.First.TruePositiveRate));
        Assert.Equal(TwinEvaluator.Auc(pairs), Area(full), 10);
        Assert.Equal(TwinEvaluator.Auc(pairs), Area(thinned), 2);
    }

    [Fact]
    public void Roc_curve_without_both_labels_is_the_diagonal()
    {
        Assert.Equal(2, TwinEvaluator.RocCurve([(0.9f, true), (0.1f, true)]).Count);
        Assert.Equal(2, TwinEvaluator.RocCurve([]).Count);
    }

    private static double Area(IReadOnlyList<RocPoint> curve) =>
        curve.Zip(curve.Skip(1)).Sum(p => (p.Second.FalsePositiveRate - p.First.FalsePositiveRate) * (p.Second.TruePositiveRate + p.First.TruePositiveRate) / 2);

    [Fact]
    public void Classification_metrics_follow_the_confusion_matrix()
    {
        var m = TwinEvaluator.Classification([(0.9f, true), (0.7f, false), (0.4f, true), (0.1f, false)], threshold: 0.5);
        Assert.Equal(0.5, m.Accuracy);
        Assert.Equal(0.5, m.Precision);
        Assert.Equal(0.5, m.Recall);
        Assert.Equal(0.5, m.F1);
    }

    [Fact]
    public void TopK_returns_best_first_and_skips_disallowed()
    {
        float[] scores = [0.1f, 0.9f, 0.5f, 0.7f, float.NaN];
        Assert.Equal([1, 3, 2], TwinEvaluator.TopK(scores, 3, _ => true));
        Assert.Equal([3, 2], TwinEvaluator.TopK(scores, 2, p => p != 1));
    }

    [Fact]
    public void Ranking_metrics_match_a_hand_computed_case()
    {
        var properties = Enumerable.Range(0, 30).Select(i => PropertyFeatureBuilderTests.Flat($"p{i:D2}")).ToList();
        var at = DateTimeOffset.Parse("2024-01-01T00:00:00Z");
        Interaction I(string user, int p, InteractionKind kind, int minute) => new()
        {
            TenantId = "t",
            EventId = $"{user}-{p}-{kind}",
            UserId = user,
            PropertyId = $"p{p:D2}",
            Kind = kind,
            OccurredAt = at.AddMinutes(minute),
        };
        var data = new TwinDataset(properties, [], [I("u", 0, InteractionKind.Like, 0), I("u", 5, InteractionKind.Like, 1), I("u", 7, InteractionKind.Deal, 2)]);
        var index = new InteractionIndex(data);
        var user = new HeldOutUser(0, index.Signals[0][..1], index.Signals[0][1..]);

        // Scores rank property 29 first, then 28, ...: relevant 5 and 7 land outside the top 20 except none.
        var descending = new FixedScorer(p => p);
        var none = TwinEvaluator.Ranking(descending, index, [user]);
        Assert.Equal(0, none.RecallAtK[20]);

        // Relevant 7 first, 5 third: P@5 = 2/5, R@5 = 1, NDCG@5 = (1 + 1/log2 4) / (1 + 1/log2 3).
        var chosen = new FixedScorer(p => p switch { 7 => 100, 3 => 90, 5 => 80, _ => -p });
        var m = TwinEvaluator.Ranking(chosen, index, [user]);
        Assert.Equal(0.4, m.PrecisionAtK[5], 6);
        Assert.Equal(1.0, m.RecallAtK[5], 6);
        Assert.Equal((1 + 1 / Math.Log2(4)) / (1 + 1 / Math.Log2(3)), m.NdcgAtK[5], 6);
    }

    private sealed class FixedScorer(Func<int, float> score) : IUserScorer
    {
        public string Name => "fixed";

        public void Score(ReadOnlySpan<UserSignal> history, string segment, Span<float> scores)
        {
            for (var p = 0; p < scores.Length; p++) scores[p] = score(p);
        }
    }
}
