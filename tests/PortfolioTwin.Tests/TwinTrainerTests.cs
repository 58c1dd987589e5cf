using Platform.PortfolioTwin.Model;
using Platform.PortfolioTwin.Model.Training;
using Xunit.Abstractions;

namespace Platform.PortfolioTwin.Tests;

public sealed class TwinTrainerTests(ITestOutputHelper output)
{
    [Fact]
    public void Training_on_a_synthetic_market_learns_preferences()
    {
        var options = new TwinTrainingOptions { Epochs = 4, BatchSize = 256, LearningRate = 3e-3, Seed = 3, Threads = 1, Gates = new TwinQualityGates { MinF1 = 0, MinAccuracy = 0 } };
        var result = new TwinTrainer().Train(SmallMarket.Default, options);
        using var model = result.Model;
        foreach (var e in result.History) output.WriteLine(e.ToString());
        output.WriteLine(result.Report.ToString());
        output.WriteLine(string.Join(", ", result.ValidationRanking.RecallAtK.Select(kv => $"R@{kv.Key}={kv.Value:F3}")));

        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss);
        Assert.True(result.Validation.Auc > 0.7, $"AUC {result.Validation.Auc:F3}");
    }
}
