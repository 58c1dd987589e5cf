using Platform.PortfolioTwin.Model.Evaluation;
using Platform.PortfolioTwin.Model.Training;
using Xunit.Abstractions;

namespace Platform.PortfolioTwin.Tests;

public sealed class BaselineComparisonTests(ITestOutputHelper output)
{
    [Fact]
    public void Twin_beats_the_baselines_on_cold_start_items()
    {
        var options = new TwinTrainingOptions { Epochs = 6, BatchSize = 256, LearningRate = 3e-3, Seed = 3, Threads = 1, Gates = new TwinQualityGates { MinF1 = 0, MinAccuracy = 0 } };
        var result = BaselineComparison.Run(SmallMarket.Default, options);
        foreach (var row in result.Rows) output.WriteLine(row.ToString());

        var twin = result.Rows[0];
        Assert.Equal("portfolio-twin", twin.Method);
        foreach (var baseline in result.Rows.Skip(1))
        {
            Assert.True(twin.ColdRecallAt10 > baseline.ColdRecallAt10, $"{baseline.Method}: cold R@10 {baseline.ColdRecallAt10:F3} ≥ twin {twin.ColdRecallAt10:F3}");
        }
    }
}
