using System.Text.Json;

namespace Platform.PortfolioTwin.Model.Training;

/// <summary>Writes the per-epoch history as JSON and a PNG of loss and validation F1/AUC curves.</summary>
public static class TrainingHistory
{
    public static void Write(string directory, IReadOnlyList<EpochRecord> history)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "twin-history.json"), JsonSerializer.Serialize(history, new JsonSerializerOptions { WriteIndented = true }));

        var epochs = history.Select(h => (double)h.Epoch).ToArray();
        var plot = new ScottPlot.Plot();
        var loss = plot.Add.Scatter(epochs, history.Select(h => h.TrainLoss).ToArray());
        loss.LegendText = "train loss (InfoNCE)";
        var f1 = plot.Add.Scatter(epochs, history.Select(h => h.ValidationF1).ToArray());
        f1.LegendText = "validation F1";
        f1.Axes.YAxis = plot.Axes.Right;
        var auc = plot.Add.Scatter(epochs, history.Select(h => h.ValidationAuc).ToArray());
        auc.LegendText = "validation AUC";
        auc.Axes.YAxis = plot.Axes.Right;
        plot.Title("Portfolio Twin training");
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.Axes.Right.Label.Text = "F1 / AUC";
        plot.ShowLegend();
        plot.SavePng(Path.Combine(directory, "twin-history.png"), 900, 500);
    }
}
