using ScottPlot;

namespace Platform.Valuation.Model.Reporting;

/// <summary>A rendered report plot: its file name without <c>.png</c>, a title saying what it shows, the PNG bytes.</summary>
public sealed record PriceReportPlot(string Name, string Title, byte[] Png);

/// <summary>The report's diagnostic plots, drawn with ScottPlot.</summary>
internal static class PlotWriter
{
    public const int Width = 900;
    public const int Height = 600;

    public static IReadOnlyList<string> WriteAll(
        string directory, IReadOnlyList<double> actual, IReadOnlyList<double> predicted, IReadOnlyDictionary<string, double>? importance)
    {
        var files = new List<string>();
        foreach (var plot in Render(actual, predicted, importance))
        {
            var name = plot.Name + ".png";
            File.WriteAllBytes(Path.Combine(directory, name), plot.Png);
            files.Add(name);
        }

        return files;
    }

    /// <summary>Predicted vs actual, residuals vs predicted, the residual distribution and, when known, feature importance.</summary>
    public static IReadOnlyList<PriceReportPlot> Render(
        IReadOnlyList<double> actual, IReadOnlyList<double> predicted, IReadOnlyDictionary<string, double>? importance)
    {
        var files = new List<PriceReportPlot>();
        double[] a = [.. actual], p = [.. predicted];
        var residual = a.Select((v, i) => Math.Log(p[i] / v)).ToArray();

        var scatter = new Plot();
        scatter.Add.ScatterPoints(a, p);
        double lo = Math.Min(a.Min(), p.Min()), hi = Math.Max(a.Max(), p.Max());
        var diagonal = scatter.Add.Line(lo, lo, hi, hi);
        diagonal.LinePattern = LinePattern.Dashed;
        scatter.Title("Predicted vs actual price");
        scatter.XLabel("actual");
        scatter.YLabel("predicted");
        files.Add(Save(scatter, "predicted_vs_actual", "Predicted vs actual price on the holdout, the diagonal marking a perfect estimate"));

        var residuals = new Plot();
        residuals.Add.ScatterPoints(p, residual);
        residuals.Add.HorizontalLine(0);
        residuals.Title("Residuals vs predicted");
        residuals.XLabel("predicted price");
        residuals.YLabel("log(predicted / actual)");
        files.Add(Save(residuals, "residuals_vs_predicted", "Residuals, log(predicted / actual), against the predicted price"));

        var histogram = new Plot();
        int bins = Math.Clamp((int)Math.Sqrt(residual.Length), 5, 60);
        double rMin = residual.Min(), rMax = residual.Max();
        double width = rMax > rMin ? (rMax - rMin) / bins : 1;
        var counts = new double[bins];
        foreach (var r in residual) counts[Math.Min(bins - 1, (int)((r - rMin) / width))]++;
        var bars = histogram.Add.Bars(Enumerable.Range(0, bins).Select(b => rMin + (b + 0.5) * width).ToArray(), counts);
        foreach (var bar in bars.Bars) bar.Size = width * 0.95;
        histogram.Title("Residual distribution");
        histogram.XLabel("log(predicted / actual)");
        histogram.YLabel("sales");
        files.Add(Save(histogram, "residual_distribution", "Distribution of the residuals, log(predicted / actual)"));

        if (importance is { Count: > 0 })
        {
            var top = importance.OrderByDescending(kv => kv.Value).Take(20).Reverse().ToArray();
            var plot = new Plot();
            var positions = Enumerable.Range(0, top.Length).Select(i => (double)i).ToArray();
            var hbars = plot.Add.Bars(positions, top.Select(kv => kv.Value).ToArray());
            hbars.Horizontal = true;
            plot.Axes.Left.SetTicks(positions, top.Select(kv => kv.Key).ToArray());
            plot.Title("Feature importance (mean |contribution|, log price)");
            files.Add(Save(plot, "feature_importance", "Feature importance: mean absolute contribution to log price, top 20 features"));
        }
        return files;
    }

    private static PriceReportPlot Save(Plot plot, string name, string title) =>
        new(name, title, plot.GetImageBytes(Width, Height, ImageFormat.Png));
}
