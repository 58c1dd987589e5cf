using Platform.PortfolioTwin.Model.Baselines;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;
using Xunit.Abstractions;

namespace Platform.PortfolioTwin.Tests;

public sealed class EaseRecommenderTests(ITestOutputHelper output)
{
    private static readonly TwinDataset Tiny = SmallMarket.Create(properties: 60, users: 40, interactionsPerUser: 12, seed: 5);

    [Fact]
    public void Scores_are_the_closed_form_x_times_B_with_B_diagonal_zero()
    {
        var index = new InteractionIndex(Tiny);
        var split = EvaluationSplit.Create(index, validationShare: 0.2, seed: 3, coldItemShare: 0.1);
        const double lambda = 7;
        using var ease = new EaseRecommender(index, split, new EaseSettings { Lambdas = [lambda] });
        var b = ExplicitB(index, split, lambda);

        for (var j = 0; j < b.GetLength(0); j++) Assert.Equal(0, b[j, j], 12);
        var scores = new float[index.Properties.Count];
        foreach (var user in split.HeldOut)
        {
            ease.Score(user.FoldIn, "any", scores);
            var x = new double[index.Properties.Count];
            foreach (var s in user.FoldIn.Where(s => s.IsPositive)) x[s.Property] = InteractionWeights.Default.Of(s.Kind);
            for (var p = 0; p < x.Length; p++)
            {
                double expected = 0;
                for (var i = 0; i < x.Length; i++) expected += x[i] * b[i, p];
                Assert.Equal(expected, scores[p], 4);
            }
        }
    }

    [Fact]
    public void A_property_scores_nothing_from_itself_and_cold_items_score_zero()
    {
        var index = new InteractionIndex(Tiny);
        var split = EvaluationSplit.Create(index, validationShare: 0.2, seed: 3, coldItemShare: 0.1);
        using var ease = new EaseRecommender(index, split, new EaseSettings { Lambdas = [3] });
        var warm = split.TrainUsers.SelectMany(u => index.Signals[u]).Where(s => s.IsPositive && !split.IsCold[s.Property])
            .GroupBy(s => s.Property).MaxBy(g => g.Count())!.Key;
        var scores = new float[index.Properties.Count];

        ease.Score([new UserSignal(warm, MarketData.Domain.InteractionKind.Like, DateTimeOffset.UnixEpoch)], "any", scores);

        Assert.Equal(0, scores[warm], 5);
        Assert.Contains(scores, s => Math.Abs(s) > 1e-4);
        Assert.All(Enumerable.Range(0, scores.Length).Where(p => split.IsCold[p]), p => Assert.Equal(0, scores[p], 6));
    }

    [Fact]
    public void Lambda_is_the_one_that_ranks_selection_users_best()
    {
        var index = new InteractionIndex(SmallMarket.Default);
        var split = EvaluationSplit.Create(index, validationShare: 0.2, seed: 1, coldItemShare: 0.1);
        double[] lambdas = [0.01, 10, 100, 1e6];
        using var ease = new EaseRecommender(index, split, new EaseSettings { Lambdas = lambdas });

        Assert.Equal(lambdas, ease.Tuning.Select(t => t.Lambda));
        var best = ease.Tuning.MaxBy(t => t.SelectionNdcgAt10);
        Assert.Equal(best.Lambda, ease.Lambda);
        Assert.True(ease.Tuning.Select(t => t.SelectionNdcgAt10).Distinct().Count() > 1, "λ made no difference: the tuning cannot choose");
        var kept = TwinEvaluator.Ranking(ease, index, split.SelectionUsers, p => !split.IsCold[p]).NdcgAtK[10];
        Assert.Equal(best.SelectionNdcgAt10, kept, 10);
    }

    [Fact]
    public void Ease_ranks_held_out_users_warm_items_better_than_most_popular()
    {
        // Dense enough for co-interactions to carry signal (the default small market has ~10 users per property).
        var index = new InteractionIndex(SmallMarket.Create(properties: 400, users: 200, interactionsPerUser: 80));
        var split = EvaluationSplit.Create(index, validationShare: 0.2, seed: 1, coldItemShare: 0.1);
        using var ease = new EaseRecommender(index, split);
        var popular = new MostPopularRecommender(index, split);

        var easeNdcg = TwinEvaluator.Ranking(ease, index, split.TestUsers, p => !split.IsCold[p]).NdcgAtK[10];
        var popularNdcg = TwinEvaluator.Ranking(popular, index, split.TestUsers, p => !split.IsCold[p]).NdcgAtK[10];

        output.WriteLine($"EASE λ {ease.Lambda}: NDCG@10 {easeNdcg:F4}; most popular {popularNdcg:F4}");
        Assert.True(easeNdcg > popularNdcg, $"EASE NDCG@10 {easeNdcg:F4} ≤ most popular {popularNdcg:F4}");
    }

    [Fact]
    public void Markets_above_the_size_limit_are_skipped_with_a_reason()
    {
        var index = new InteractionIndex(Tiny);
        var split = EvaluationSplit.Create(index, validationShare: 0.2, seed: 3);
        var settings = new EaseSettings { MaxProperties = 59 };

        Assert.Null(new EaseSettings().SkipReason(10_000));
        Assert.Contains("60 properties exceed its limit of 59", settings.SkipReason(60));
        var error = Assert.Throws<ArgumentException>(() => new EaseRecommender(index, split, settings));
        Assert.Contains("EASE skipped", error.Message);
        Assert.Throws<ArgumentException>(() => new EaseSettings { Lambdas = [0] }.Validate());
        Assert.Throws<ArgumentException>(() => new EaseSettings { Lambdas = [] }.Validate());
    }

    /// <summary>B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹, computed the direct way (Gauss–Jordan) over properties.</summary>
    private static double[,] ExplicitB(InteractionIndex index, EvaluationSplit split, double lambda)
    {
        var n = index.Properties.Count;
        var g = new double[n, 2 * n];
        foreach (var u in split.TrainUsers)
        {
            var x = new double[n];
            foreach (var s in index.Signals[u].Where(s => s.IsPositive && !split.IsCold[s.Property])) x[s.Property] = InteractionWeights.Default.Of(s.Kind);
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++) g[i, j] += x[i] * x[j];
            }
        }
        for (var i = 0; i < n; i++)
        {
            g[i, i] += lambda;
            g[i, n + i] = 1;
        }
        for (var c = 0; c < n; c++)
        {
            var pivot = g[c, c];
            for (var k = 0; k < 2 * n; k++) g[c, k] /= pivot;
            for (var r = 0; r < n; r++)
            {
                if (r == c) continue;
                var f = g[r, c];
                for (var k = 0; k < 2 * n; k++) g[r, k] -= f * g[c, k];
            }
        }
        var b = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++) b[i, j] = (i == j ? 1 : 0) - g[i, n + j] / g[j, n + j];
        }
        return b;
    }
}
