using System.Globalization;
using System.Text;
using System.Text.Json;
using Platform.Lab.Traffic;
using ScottPlot;

namespace Platform.Lab.Reporting;

/// <summary>Writes a run's <c>report.md</c>, <c>report.json</c> and charts (ScottPlot PNGs) into one folder.</summary>
public static class ReportWriter
{
    public static void Write(RunReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        report.Charts.AddRange(RunCharts.WriteAll(report, directory));
        File.WriteAllText(Path.Combine(directory, "report.json"), report.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(directory, "report.md"), Markdown(report));
    }

    public static string Markdown(RunReport report)
    {
        var md = new StringBuilder();
        var scenario = report.Scenario;
        md.AppendLine(CultureInfo.InvariantCulture, $"# Lab run: {scenario.Name} — {(report.Passed ? "PASSED" : "FAILED")}");
        md.AppendLine();
        if (scenario.Description is { } description)
        {
            md.AppendLine(description.Trim()).AppendLine();
        }

        md.AppendLine(CultureInfo.InvariantCulture,
            $"Platform {report.Platform}, started {report.StartedAt:u}; timeline {report.TimelineDuration.TotalSeconds:0.0} s, whole run {report.TotalDuration.TotalSeconds:0.0} s.");
        md.AppendLine();
        md.AppendLine("| phase | from (s) | to (s) |").AppendLine("| --- | ---: | ---: |");
        foreach (var phase in report.Phases)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {phase.Name} | {phase.From.TotalSeconds:0.0} | {phase.To.TotalSeconds:0.0} |");
        }

        md.AppendLine().AppendLine("## Routes (client side, latency from the intended send time)").AppendLine();
        md.AppendLine("| route | requests | req/s | errors | p50 ms | p90 ms | p99 ms | max ms | statuses |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var (name, stats) in report.Recorder.Routes.OrderBy(r => r.Key))
        {
            var statuses = string.Join(", ", stats.Statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "none" : s.Key)}×{s.Value}"));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {stats.Count} | {stats.Count / Math.Max(0.001, report.TimelineDuration.TotalSeconds):0.0} | {stats.Errors} | {stats.PercentileMs(50):0.0} | {stats.PercentileMs(90):0.0} | {stats.PercentileMs(99):0.0} | {stats.MaxMs():0.0} | {statuses} |");
        }

        if (!report.Recorder.Aliases.IsEmpty)
        {
            md.AppendLine().AppendLine("## Serving aliases (accuracy against the market's ground truth)").AppendLine();
            md.AppendLine("| alias | requests | failures | rows | MdAPE |").AppendLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var (name, stats) in report.Recorder.Aliases.OrderBy(a => a.Key))
            {
                var (rows, mdape) = stats.MdApe(TimeSpan.Zero);
                md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {stats.Requests} | {stats.Failures} | {rows} | {mdape * 100:0.0}% |");
            }
        }

        Checks(md, "Thresholds", report.Thresholds);
        Checks(md, "Expected outcomes", report.Expectations);
        md.AppendLine().AppendLine("## Guardrail decisions").AppendLine();
        if (report.Decisions.Count == 0)
        {
            md.AppendLine("None.");
        }
        else
        {
            md.AppendLine("| t (s) | rule | action | ok | detail |").AppendLine("| ---: | --- | --- | --- | --- |");
            foreach (var decision in report.Decisions)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {decision.At.TotalSeconds:0.0} | {decision.Rule} | {decision.Action} | {(decision.Succeeded ? "yes" : "no")} | {decision.Detail} |");
            }
        }

        if (report.FaultsInjected is { Count: > 0 } injected)
        {
            md.AppendLine().AppendLine("## Faults injected (as the platform counted them)").AppendLine();
            md.AppendLine(string.Join(", ", injected.OrderBy(i => i.Key).Select(i => $"{i.Key} ×{i.Value}")));
        }

        if (report.Notes.Count > 0)
        {
            md.AppendLine().AppendLine("## Notes").AppendLine();
            foreach (var note in report.Notes)
            {
                md.AppendLine("- " + note);
            }
        }

        md.AppendLine().AppendLine("## Charts").AppendLine();
        foreach (var chart in report.Charts)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"![{Path.GetFileNameWithoutExtension(chart)}]({chart})");
        }

        return md.ToString();
    }

    private static void Checks(StringBuilder md, string title, IReadOnlyList<Check> checks)
    {
        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"## {title}").AppendLine();
        if (checks.Count == 0)
        {
            md.AppendLine("None declared.");
            return;
        }

        md.AppendLine("| check | result | detail |").AppendLine("| --- | --- | --- |");
        foreach (var check in checks)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {check.Name} | {(check.Passed ? "pass" : "**FAIL**")} | {check.Detail} |");
        }
    }
}

/// <summary>The run's charts: latency percentiles per route, throughput, error rate and PSI over time, guardrail decisions marked.</summary>
internal static class RunCharts
{
    public static IReadOnlyList<string> WriteAll(RunReport report, string directory)
    {
        var files = new List<string>();
        var routes = report.Recorder.Routes.OrderBy(r => r.Key).ToList();
        var width = report.Recorder.BucketWidth.TotalSeconds;

        var latency = new Plot();
        foreach (var (name, stats) in routes)
        {
            var timeline = stats.Timeline();
            if (timeline.Count == 0)
            {
                continue;
            }

            double[] xs = [.. timeline.Select(b => b.Start.TotalSeconds)];
            var p99 = latency.Add.Scatter(xs, timeline.Select(b => b.P99).ToArray());
            p99.LegendText = $"{name} p99";
            var p50 = latency.Add.Scatter(xs, timeline.Select(b => b.P50).ToArray());
            p50.LegendText = $"{name} p50";
            p50.LinePattern = LinePattern.Dotted;
            p50.Color = p99.Color;
        }

        Finish(latency, report, "Latency percentiles per route (client side)", "latency (ms)");
        files.Add(Save(latency, directory, "latency.png"));

        var throughput = new Plot();
        foreach (var (name, stats) in routes)
        {
            var timeline = stats.Timeline();
            if (timeline.Count > 0)
            {
                throughput.Add.Scatter(timeline.Select(b => b.Start.TotalSeconds).ToArray(), timeline.Select(b => b.Count / width).ToArray()).LegendText = name;
            }
        }

        Finish(throughput, report, "Throughput per route", "requests / s");
        files.Add(Save(throughput, directory, "throughput.png"));

        var errors = new Plot();
        foreach (var (name, stats) in routes)
        {
            var timeline = stats.Timeline();
            if (timeline.Count > 0)
            {
                errors.Add.Scatter(timeline.Select(b => b.Start.TotalSeconds).ToArray(),
                    timeline.Select(b => b.Count == 0 ? 0 : 100.0 * b.Errors / b.Count).ToArray()).LegendText = name;
            }
        }

        Finish(errors, report, "Error rate per route (non-2xx or no answer)", "errors (%)");
        files.Add(Save(errors, directory, "errors.png"));

        var drift = new Plot();
        var observations = report.Observations.Where(o => o.DriftLevel is not null).ToList();
        if (observations.Count > 0)
        {
            drift.Add.Scatter(observations.Select(o => o.At.TotalSeconds).ToArray(), observations.Select(o => o.MaxPsi).ToArray()).LegendText = "max PSI";
            foreach (var feature in observations.SelectMany(o => o.Psi.Keys).Distinct().Order())
            {
                var points = observations.Where(o => o.Psi.ContainsKey(feature)).ToList();
                var line = drift.Add.Scatter(points.Select(o => o.At.TotalSeconds).ToArray(), points.Select(o => o.Psi[feature]).ToArray());
                line.LegendText = feature;
                line.LinePattern = LinePattern.Dotted;
                line.MarkerSize = 0;
            }

            var alert = drift.Add.HorizontalLine(0.25);
            alert.LinePattern = LinePattern.Dashed;
            alert.Text = "alert";
        }

        Finish(drift, report, "Drift: PSI per feature (from /monitoring/drift)", "PSI");
        files.Add(Save(drift, directory, "psi.png"));
        return files;
    }

    private static void Finish(Plot plot, RunReport report, string title, string yLabel)
    {
        foreach (var phase in report.Phases.Skip(1))
        {
            var line = plot.Add.VerticalLine(phase.From.TotalSeconds);
            line.Color = Colors.Gray;
            line.LinePattern = LinePattern.Dotted;
            line.Text = phase.Name;
        }

        foreach (var decision in report.Decisions)
        {
            var line = plot.Add.VerticalLine(decision.At.TotalSeconds);
            line.Color = decision.Action == "alert" ? Colors.Orange : Colors.Red;
            line.LineWidth = 2;
            line.Text = decision.Action;
        }

        plot.Title(title);
        plot.XLabel("time (s)");
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperLeft);
    }

    private static string Save(Plot plot, string directory, string name)
    {
        plot.SavePng(Path.Combine(directory, name), 1000, 560);
        return name;
    }
}
