using System.Globalization;
using System.Text;
using Platform.Valuation.Model.Evaluation;

namespace Platform.Valuation.Model.Reporting;

/// <summary>Writes the human-readable report: report.md with tables plus PNG plots beside it.</summary>
public static class ReportWriter
{
    public static void Write(string directory, PriceReport report, IReadOnlyList<double> actual, IReadOnlyList<double> predicted)
    {
        Directory.CreateDirectory(directory);
        var plots = PlotWriter.WriteAll(directory, actual, predicted, report.FeatureImportance);
        File.WriteAllText(Path.Combine(directory, "report.md"), Markdown(report, plots));
    }

    public static string Markdown(PriceReport report, IReadOnlyList<string> plots)
    {
        var m = report.Evaluation.Overall;
        var sb = new StringBuilder();
        sb.AppendLine("# Price model report").AppendLine();
        sb.AppendLine(Invariant($"Trainer **{report.Trainer}** on log1p(price); {report.TrainRows} training sales, {report.TestRows} test sales; trained in {report.TrainSeconds:F1} s."));
        sb.AppendLine(Invariant($"{report.IntervalLevel:P0} prediction intervals covered **{report.IntervalCoverage:F1} %** of test sales.")).AppendLine();
        sb.AppendLine("## Overall").AppendLine();
        sb.AppendLine("| n | MdAPE % | MAPE % | WAPE % | MAE | RMSE | AE p90 | PPE10 % | PPE20 % | RMSLE |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        sb.AppendLine(Invariant($"| {m.Count} | {m.MdAPE:F2} | {m.MAPE:F2} | {m.WAPE:F2} | {m.MAE:N0} | {m.RMSE:N0} | {m.AE_p90:N0} | {m.PPE10:F1} | {m.PPE20:F1} | {m.RMSLE:F4} |"));
        sb.AppendLine().AppendLine("## Segments").AppendLine();
        sb.AppendLine("| segment | n | MdAPE % | WAPE % | AE p90 | PPE10 % | status | tail risk |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---|---|");
        foreach (var s in report.Evaluation.Segments)
            sb.AppendLine(Invariant($"| {s.Segment} | {s.Metrics.Count} | {s.Metrics.MdAPE:F2} | {s.Metrics.WAPE:F2} | {s.Metrics.AE_p90:N0} | {s.Metrics.PPE10:F1} | {s.Status} | {(s.TailRisk ? "yes" : "no")} |"));
        if (report.Evaluation.Best is { } best && report.Evaluation.Worst is { } worst)
        {
            sb.AppendLine();
            sb.AppendLine(Invariant($"Best segment: **{best.Segment}** (MdAPE {best.Metrics.MdAPE:F2} %). Worst segment: **{worst.Segment}** (MdAPE {worst.Metrics.MdAPE:F2} %)."));
        }
        if (report.FeatureImportance is { Count: > 0 } importance)
        {
            sb.AppendLine().AppendLine("## Feature importance").AppendLine();
            sb.AppendLine("Mean absolute contribution to log price over training sales.").AppendLine();
            sb.AppendLine("| feature | mean abs contribution (log) |").AppendLine("|---|---:|");
            foreach (var (name, value) in importance) sb.AppendLine(Invariant($"| {name} | {value:F4} |"));
        }
        sb.AppendLine().AppendLine("## Plots").AppendLine();
        foreach (var plot in plots) sb.AppendLine($"![{Path.GetFileNameWithoutExtension(plot)}]({plot})");
        return sb.ToString();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
