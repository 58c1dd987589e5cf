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

    /// <summary>The report's plots in memory, for a report stored as artifacts (the names are those <see cref="Write"/> gives the files).</summary>
    public static IReadOnlyList<PriceReportPlot> Plots(PriceReport report, IReadOnlyList<double> actual, IReadOnlyList<double> predicted) =>
        PlotWriter.Render(actual, predicted, report.FeatureImportance);

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
        if (report.Evaluation.Ratios is { } ratios)
        {
            sb.AppendLine().AppendLine("## Ratio study (IAAO)").AppendLine();
            sb.AppendLine("Ratio = estimate / sale price. Acceptance (residential): median ratio 0.90–1.10, COD 5–15, PRD 0.98–1.03, PRB within ±0.05; **!** marks a value outside its range.").AppendLine();
            sb.AppendLine("| segment | n | median ratio | COD | PRD | PRB |").AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var (name, r) in ratios.Segments.Select(s => (s.Segment, s.Statistics)).Prepend(("overall", ratios.Overall)))
                sb.AppendLine(Invariant($"| {name} | {r.Count} | {r.MedianRatio:F3}{Flag(r.MedianRatioOk)} | {r.Cod:F2}{Flag(r.CodOk)} | {r.Prd:F3}{Flag(r.PrdOk)} | {r.Prb:F3}{Flag(r.PrbOk)} |"));
        }
        if (report.Intervals is { } iv)
        {
            sb.AppendLine().AppendLine("## Prediction intervals").AppendLine();
            sb.AppendLine(Invariant($"{iv.Level:P0} intervals, {iv.Method}. Width is (high − low) / estimate.")).AppendLine();
            sb.AppendLine("| segment | n | coverage % | mean relative width |").AppendLine("|---|---:|---:|---:|");
            foreach (var (name, s) in iv.Segments.Select(s => (s.Segment, s.Statistics)).Prepend(("overall", iv.Overall)))
                sb.AppendLine(Invariant($"| {name} | {s.Count} | {s.Coverage:F1} | {s.MeanRelativeWidth:F3} |"));
            if (iv.Flat is { } flat && iv.FlatAtEqualCoverage is { } equal)
            {
                sb.AppendLine().AppendLine(Invariant(
                    $"The same model's flat interval: coverage {flat.Coverage:F1} %, width {flat.MeanRelativeWidth:F3}; a flat interval with the adaptive one's coverage ({equal.Coverage:F1} %) would be {equal.MeanRelativeWidth:F3} wide."));
            }
        }
        if (report.Training is { } t)
        {
            sb.AppendLine().AppendLine("## Tuning and blend").AppendLine();
            sb.AppendLine(Invariant($"Search: {t.Trials.Count} candidate(s) by {t.SearchFolds}-fold CV on {t.SearchRows} sales in {t.SearchSeconds:F1} s (budget {(t.TuneSeconds is { } b ? b.ToString("0.#", CultureInfo.InvariantCulture) + " s" : "off")}{(t.StoppedByBudget ? ", stopped by the budget" : "")})."));
            sb.AppendLine("Chosen: " + string.Join(", ", t.Chosen.Describe().Select(kv => Invariant($"{kv.Key} {kv.Value:0.####}"))) + ".").AppendLine();
            sb.AppendLine("| member | weight | CV mean abs log error | CV MdAPE % | CV PPE10 % |").AppendLine("|---|---:|---:|---:|---:|");
            foreach (var member in t.Blend is { } blend ? t.Members.Append(blend) : t.Members)
                sb.AppendLine(Invariant($"| {member.Name} | {(member.Name == "Blend" ? (t.BlendKept ? "kept" : "not kept") : member.Weight.ToString("0.##", CultureInfo.InvariantCulture))} | {member.CvMeanAbsLogError:F4} | {member.CvMdApe:F2} | {member.CvPpe10:F1} |"));
            sb.AppendLine().AppendLine(Invariant($"Intervals: {t.IntervalMethod}, difficulty share {t.IntervalShrink:0.##}, calibrated on {t.CalibrationRows} {t.CalibrationSource} residuals."));
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

    private static string Flag(bool ok) => ok ? "" : " **!**";

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
