using System.Globalization;
using Platform.Dashboard.Api;
using Platform.Dashboard.Live;
using ScottPlot;

namespace Platform.Dashboard.Charts;

/// <summary>
/// Every chart of the dashboard, drawn on the server with ScottPlot and sent as PNG (inline as a data URI, or from a chart
/// route for the live page), so the browser needs no charting script and nothing is fetched from elsewhere.
/// </summary>
public static class Charts
{
    public const int Width = 720;
    public const int Height = 360;

    public static string DataUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    /// <summary>Waterfall: the part of the estimate not explained by the top contributions, each contribution, the estimate.</summary>
    public static byte[] Waterfall(double estimate, IReadOnlyList<ContributionInfo> contributions)
    {
        var plot = new Plot();
        var start = estimate - contributions.Sum(c => c.Amount);
        var bars = new List<Bar> { new() { Position = 0, ValueBase = 0, Value = start, FillColor = Colors.Gray } };
        var labels = new List<string> { "base + rest" };
        var level = start;
        for (var i = 0; i < contributions.Count; i++)
        {
            var amount = contributions[i].Amount;
            bars.Add(new Bar
            {
                Position = i + 1,
                ValueBase = level,
                Value = level + amount,
                FillColor = amount >= 0 ? Colors.SeaGreen : Colors.IndianRed,
            });
            labels.Add(contributions[i].Feature);
            level += amount;
        }

        bars.Add(new Bar { Position = bars.Count, ValueBase = 0, Value = estimate, FillColor = Colors.SteelBlue });
        labels.Add("estimate");
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, labels.Count).Select(i => (double)i)], [.. labels]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 110;
        var low = Math.Min(0, bars.Min(b => Math.Min(b.ValueBase, b.Value)));
        plot.Axes.SetLimitsY(low, bars.Max(b => Math.Max(b.ValueBase, b.Value)) * 1.08);
        plot.Title("How the estimate is built");
        plot.YLabel("price");
        return Png(plot, Width, 420);
    }

    /// <summary>Comparable sales by distance and price, the subject's estimate as a line.</summary>
    public static byte[] Comparables(double estimate, IReadOnlyList<ComparableInfo> comparables)
    {
        var plot = new Plot();
        var withDistance = comparables.Where(c => c.DistanceKm is not null).ToList();
        if (withDistance.Count > 0)
        {
            var points = plot.Add.ScatterPoints(withDistance.Select(c => c.DistanceKm!.Value).ToArray(), withDistance.Select(c => c.Price).ToArray());
            points.LegendText = "comparable sales";
            points.MarkerSize = 9;
        }

        var subject = plot.Add.HorizontalLine(estimate);
        subject.LegendText = "subject's estimate";
        subject.LinePattern = LinePattern.Dashed;
        plot.Title("Comparable sales");
        plot.XLabel("distance from the subject (km)");
        plot.YLabel("sale price");
        plot.ShowLegend();
        return Png(plot, Width, Height);
    }

    /// <summary>Map of the subject and its comparable sales by latitude and longitude (no tiles: coordinates only).</summary>
    public static byte[] ComparablesMap(double? subjectLatitude, double? subjectLongitude, IReadOnlyList<ComparableInfo> comparables)
    {
        var plot = new Plot();
        var located = comparables.Where(c => c.Latitude is not null && c.Longitude is not null).ToList();
        if (located.Count > 0)
        {
            var sales = plot.Add.ScatterPoints(located.Select(c => c.Longitude!.Value).ToArray(), located.Select(c => c.Latitude!.Value).ToArray());
            sales.LegendText = "comparable sales";
            sales.MarkerSize = 9;
        }

        if (subjectLatitude is { } lat && subjectLongitude is { } lon)
        {
            var subject = plot.Add.ScatterPoints(new[] { lon }, new[] { lat });
            subject.LegendText = "subject";
            subject.MarkerShape = MarkerShape.FilledDiamond;
            subject.MarkerSize = 14;
            subject.Color = Colors.OrangeRed;
        }

        plot.Title("Subject and comparables");
        plot.XLabel("longitude");
        plot.YLabel("latitude");
        plot.ShowLegend();
        return Png(plot, Width, Height);
    }

    /// <summary>The live page's running chart: estimates per minute (bars) and error against the actual price (points).</summary>
    public static byte[] LiveVolumeAndError(IReadOnlyList<LiveEstimate> history, DateTimeOffset now)
    {
        var plot = new Plot();
        var start = now.AddMinutes(-30);
        var perMinute = history.Where(e => e.ReceivedAt >= start)
            .GroupBy(e => (int)Math.Floor((e.ReceivedAt - start).TotalMinutes))
            .ToDictionary(g => g.Key, g => g.Count());
        var volume = plot.Add.Bars([.. Enumerable.Range(0, 31).Select(m => (double)(m - 30))], [.. Enumerable.Range(0, 31).Select(m => (double)perMinute.GetValueOrDefault(m))]);
        volume.LegendText = "estimates per minute";
        var errors = history.Where(e => e.ErrorPercent is not null && e.ReceivedAt >= start).ToList();
        if (errors.Count > 0)
        {
            var points = plot.Add.ScatterPoints(errors.Select(e => (e.ReceivedAt - now).TotalMinutes).ToArray(), errors.Select(e => e.ErrorPercent!.Value).ToArray());
            points.Axes.YAxis = plot.Axes.Right;
            points.LegendText = "error vs actual (%)";
            points.Color = Colors.OrangeRed;
            plot.Axes.Right.Label.Text = "error vs actual price (%)";
        }

        plot.Title("Streamed estimates, last 30 minutes");
        plot.XLabel("minutes ago");
        plot.YLabel("estimates");
        plot.ShowLegend(Alignment.UpperLeft);
        return Png(plot, Width, Height);
    }

    /// <summary>One metric across a model's versions, the champion marked.</summary>
    public static byte[] MetricByVersion(string metric, IReadOnlyList<ModelVersionInfo> versions, int? champion)
    {
        var plot = new Plot();
        var rows = versions.Where(v => v.Metrics?.ContainsKey(metric) == true).ToList();
        var bars = rows.Select((v, i) => new Bar
        {
            Position = i,
            Value = v.Metrics![metric],
            FillColor = v.Version == champion ? Colors.SteelBlue : Colors.LightSteelBlue,
        }).ToList();
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks([.. rows.Select((_, i) => (double)i)], [.. rows.Select(v => v.Version == champion ? $"v{v.Version} (champion)" : $"v{v.Version}")]);
        plot.Axes.Margins(bottom: 0);
        plot.Title($"{metric} by version");
        plot.YLabel(metric);
        return Png(plot, Width, 300);
    }

    /// <summary>Numeric metrics of two versions side by side.</summary>
    public static byte[] CompareVersions(ModelVersionInfo a, ModelVersionInfo b, IReadOnlyList<string> metrics)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        for (var i = 0; i < metrics.Count; i++)
        {
            bars.Add(new Bar { Position = 3 * i, Value = a.Metrics!.GetValueOrDefault(metrics[i]), FillColor = Colors.SteelBlue });
            bars.Add(new Bar { Position = 3 * i + 1, Value = b.Metrics!.GetValueOrDefault(metrics[i]), FillColor = Colors.Orange });
        }

        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks([.. metrics.Select((_, i) => 3.0 * i + 0.5)], [.. metrics]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 110;
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"v{a.Version}", FillColor = Colors.SteelBlue });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"v{b.Version}", FillColor = Colors.Orange });
        plot.ShowLegend();
        plot.Axes.Margins(bottom: 0);
        plot.Title($"v{a.Version} and v{b.Version}");
        return Png(plot, Width, 380);
    }

    /// <summary>PSI per feature with the warning and alert thresholds.</summary>
    public static byte[] Drift(DriftReportInfo report)
    {
        var plot = new Plot();
        var features = report.Features;
        plot.Add.Bars(features.Select((f, i) => new Bar
        {
            Position = i,
            Value = f.Psi,
            FillColor = f.Level switch { "alert" => Colors.IndianRed, "warning" => Colors.Orange, _ => Colors.SeaGreen },
        }).ToList());
        var warning = plot.Add.HorizontalLine(report.WarningPsi);
        warning.LinePattern = LinePattern.Dashed;
        warning.LegendText = "warning";
        var alert = plot.Add.HorizontalLine(report.AlertPsi);
        alert.LinePattern = LinePattern.Dashed;
        alert.Color = Colors.Red;
        alert.LegendText = "alert";
        plot.Axes.Bottom.SetTicks([.. features.Select((_, i) => (double)i)], [.. features.Select(f => f.Feature)]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 110;
        plot.Axes.Margins(bottom: 0);
        plot.Title("Population stability index per feature");
        plot.ShowLegend();
        return Png(plot, Width, 380);
    }

    /// <summary>Latency percentiles per route (milliseconds).</summary>
    public static byte[] Latency(IReadOnlyList<(string Route, double P50, double P95, double P99)> routes)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        for (var i = 0; i < routes.Count; i++)
        {
            bars.Add(new Bar { Position = 4 * i, Value = routes[i].P50, FillColor = Colors.SeaGreen });
            bars.Add(new Bar { Position = 4 * i + 1, Value = routes[i].P95, FillColor = Colors.Orange });
            bars.Add(new Bar { Position = 4 * i + 2, Value = routes[i].P99, FillColor = Colors.IndianRed });
        }

        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks([.. routes.Select((_, i) => 4.0 * i + 1)], [.. routes.Select(r => r.Route)]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -20;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 110;
        foreach (var (label, color) in new[] { ("p50", Colors.SeaGreen), ("p95", Colors.Orange), ("p99", Colors.IndianRed) })
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = color });
        }

        plot.ShowLegend();
        plot.Axes.Margins(bottom: 0);
        plot.Title("Request latency by route");
        plot.YLabel("ms");
        return Png(plot, Width, 400);
    }

    public static string Money(double? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "–";

    private static byte[] Png(Plot plot, int width, int height) => plot.GetImageBytes(width, height, ImageFormat.Png);
}
