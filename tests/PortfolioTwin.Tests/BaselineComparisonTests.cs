using Platform.PortfolioTwin.Model.Evaluation;
using Platform.PortfolioTwin.Model.Training;
using Xunit.Abstractions;

namespace Platform.PortfolioTwin.Tests;

public sealed class BaselineComparisonTests(ITestOutputHelper output)
{
    [Fact]
    public void Twin_beats_the_baselines_on_warm_and_cold_start_items_for_held_out_users()
    {
        // The `bench twin-baselines` default market and the platform's training defaults (one torch thread).
        var data = SmallMarket.Create(properties: 5000, users: 300, interactionsPerUser: 150, seed: 42);
        var options = new TwinTrainingOptions { Seed = 42, Threads = 1 };
        var result = BaselineComparison.Run(data, options);
        foreach (var row in result.Rows) output.WriteLine(row.ToString());

        var twin = result.Rows.Single(r => r.Method == "portfolio-twin");
        var uncentred = result.Rows.Single(r => r.Method == BaselineComparison.UncentredTwin);
        var baselines = result.Rows.Where(r => !r.Method.StartsWith("portfolio-twin", StringComparison.Ordinal)).ToList();
        Assert.Equal(["most-popular", "item-knn", "implicit-als"], baselines.Select(b => b.Method));
        foreach (var baseline in baselines)
        {
            Assert.True(twin.WarmRecallAt10 > baseline.WarmRecallAt10, $"{baseline.Method}: warm R@10 {baseline.WarmRecallAt10:F3} ≥ twin {twin.WarmRecallAt10:F3}");
            Assert.True(twin.WarmNdcgAt10 > baseline.WarmNdcgAt10, $"{baseline.Method}: warm NDCG@10 {baseline.WarmNdcgAt10:F3} ≥ twin {twin.WarmNdcgAt10:F3}");
            Assert.True(twin.ColdRecallAt10 > 2 * baseline.ColdRecallAt10, $"{baseline.Method}: cold R@10 {baseline.ColdRecallAt10:F3} vs twin {twin.ColdRecallAt10:F3}");
        }
        Assert.True(twin.WarmNdcgAt10 > uncentred.WarmNdcgAt10, $"centring: NDCG@10 {twin.WarmNdcgAt10:F3} ≤ uncentred {uncentred.WarmNdcgAt10:F3}");
        Assert.True(result.TwinReport.GatesPassed, string.Join("; ", result.TwinReport.GateFailures));
    }
}
