using System.Text.Json;
using Platform.PortfolioTwin.Model;
using Platform.PortfolioTwin.Model.Evaluation;
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

    [Fact]
    public void Training_records_the_roc_curve_and_renders_the_report_plots()
    {
        var options = new TwinTrainingOptions { Epochs = 2, BatchSize = 256, LearningRate = 3e-3, Seed = 3, Threads = 1, Gates = new TwinQualityGates { MinF1 = 0, MinAccuracy = 0 } };
        var result = new TwinTrainer().Train(SmallMarket.Default, options);
        using var model = result.Model;

        var roc = result.Report.Roc;
        Assert.InRange(roc.Count, 3, 101);
        Assert.Equal((0.0, 0.0), (roc[0].FalsePositiveRate, roc[0].TruePositiveRate));
        Assert.Equal((1.0, 1.0), (roc[^1].FalsePositiveRate, roc[^1].TruePositiveRate));
        var area = roc.Zip(roc.Skip(1)).Sum(p => (p.Second.FalsePositiveRate - p.First.FalsePositiveRate) * (p.Second.TruePositiveRate + p.First.TruePositiveRate) / 2);
        Assert.Equal(result.Report.Auc, area, 2);
        Assert.Contains("\"roc\":[{\"threshold\":null,\"false_positive_rate\":0,\"true_positive_rate\":0}", JsonSerializer.Serialize(result.Report));

        var plots = TwinReportPlots.Render(result.History, result.Report);
        Assert.Equal(["training_curves", "roc", "ranking_metrics"], plots.Select(p => p.Name));
        foreach (var plot in plots)
        {
            Assert.False(string.IsNullOrWhiteSpace(plot.Title));
            Assert.True(plot.Png.Length > 5_000, $"{plot.Name}: {plot.Png.Length} bytes");
            Assert.Equal(PngSignature, plot.Png[..8]);
        }
    }

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
}
