using Platform.PortfolioTwin.Model.Training;
using ScottPlot;

namespace Platform.PortfolioTwin.Model.Evaluation;

/// <summary>A rendered report plot: its file name without <c>.png</c>, a title saying what it shows, the PNG bytes.</summary>
public sealed record TwinReportPlot(string Name, string Title, byte[] Png);

/// <summary>The twin's quality-report plots, drawn with ScottPlot: training curves, the ROC curve and the ranking metrics per K.</summary>
public static class TwinReportPlots
{
    public const int Width = 900;
    public const int Height = 560;

    public static IReadOnlyList<TwinReportPlot> Render(IReadOnlyList<EpochRecord> history, TwinReport report) =>
        [TrainingCurves(history), Roc(report.Roc, report.Auc), .. report.Ranking is { } ranking ? [Ranking(ranking)] : Array.Empty<TwinReportPlot>()];

    /// <summary>Training loss per epoch (left axis) with the validation metrics of each epoch (right axis); the kept epoch marked.</summary>
    public static TwinReportPlot TrainingCurves(IReadOnlyList<EpochRecord> history)
    {
        var plot = new Plot();
        var epochs = history.Select(h => (double)h.Epoch).ToArray();
        var loss = plot.Add.Scatter(epochs, history.Select(h => h.TrainLoss).ToArray());
        loss.LegendText = "train loss (InfoNCE)";
        foreach (var (label, values) in new[]
        {
            ("validation F1", history.Select(h => h.ValidationF1)),
            ("validation AUC", history.Select(h => h.ValidationAuc)),
            ("validation NDCG@10", history.Select(h => h.ValidationNdcgAt10)),
        })
        {
            var curve = plot.Add.Scatter(epochs, values.ToArray());
            curve.LegendText = label;
            curve.Axes.YAxis = plot.Axes.Right;
        }

        if (history.LastOrDefault(h => h.IsBest) is { } best)
        {
            var kept = plot.Add.VerticalLine(best.Epoch);
            kept.LinePattern = LinePattern.Dotted;
            kept.LegendText = $"kept epoch {best.Epoch}";
        }

        plot.Title("Training curves");
        plot.XLabel("epoch");
        plot.YLabel("train loss");
        plot.Axes.Right.Label.Text = "validation metric";
        plot.ShowLegend();
        return Png(plot, "training_curves", "Training curves: train loss per epoch and the validation F1, AUC and NDCG@10 of each epoch");
    }

    /// <summary>The ROC curve of the held-out test users' pairs against the diagonal of a random ranking.</summary>
    public static TwinReportPlot Roc(IReadOnlyList<RocPoint> roc, double auc)
    {
        var plot = new Plot();
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LinePattern = LinePattern.Dashed;
        chance.LegendText = "random";
        var curve = plot.Add.Scatter(roc.Select(p => p.FalsePositiveRate).ToArray(), roc.Select(p => p.TruePositiveRate).ToArray());
        curve.MarkerSize = 0;
        curve.LegendText = FormattableString.Invariant($"twin (AUC {auc:0.000})");
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Title("ROC curve (held-out users)");
        plot.XLabel("false positive rate");
        plot.YLabel("true positive rate");
        plot.ShowLegend(Alignment.LowerRight);
        return Png(plot, "roc", FormattableString.Invariant($"ROC curve of the held-out users' pairs, AUC {auc:0.000}, against a random ranking"));
    }

    /// <summary>Precision@K, Recall@K and NDCG@K as grouped bars, one group per K.</summary>
    public static TwinReportPlot Ranking(RankingMetrics ranking)
    {
        var plot = new Plot();
        var ks = ranking.RecallAtK.Keys.Order().ToArray();
        var series = new[] { ("Precision@K", ranking.PrecisionAtK), ("Recall@K", ranking.RecallAtK), ("NDCG@K", ranking.NdcgAtK) };
        var palette = new ScottPlot.Palettes.Category10();
        for (var s = 0; s < series.Length; s++)
        {
            var (label, values) = series[s];
            var bars = plot.Add.Bars(ks.Select((_, i) => i * (series.Length + 1) + s + 0.0).ToArray(), ks.Select(k => values.GetValueOrDefault(k)).ToArray());
            bars.Color = palette.GetColor(s);
            bars.LegendText = label;
        }

        plot.Axes.Bottom.SetTicks(ks.Select((_, i) => i * (series.Length + 1) + (series.Length - 1) / 2.0).ToArray(), [.. ks.Select(k => $"K = {k}")]);
        plot.Axes.Margins(bottom: 0);
        plot.Title($"Ranking metrics ({ranking.Users} held-out users)");
        plot.YLabel("mean over users");
        plot.ShowLegend(Alignment.UpperLeft);
        return Png(plot, "ranking_metrics", $"Ranking metrics per K: Precision@K, Recall@K and NDCG@K over {ranking.Users} held-out users");
    }

    private static TwinReportPlot Png(Plot plot, string name, string title) => new(name, title, plot.GetImageBytes(Width, Height, ImageFormat.Png));
}
