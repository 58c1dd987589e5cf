using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Lab.Scenarios;
using Platform.Lab.Traffic;
using Platform.MarketData.Domain;
using ScottPlot;

namespace Platform.Lab.Auction;

/// <summary>The auction section of a scenario, or the <c>lab auction</c> options.</summary>
public sealed record AuctionSpec
{
    public int Lots { get; init; } = 60;

    public int BiddersPerPersona { get; init; } = 2;

    /// <summary>Model biases to inject (fractions: -0.1 = estimates 10 % low).</summary>
    public IReadOnlyList<double> Biases { get; init; } = [-0.1, 0, 0.1];

    /// <summary>Interval width factors (1 = as served).</summary>
    public IReadOnlyList<double> Widths { get; init; } = [0.5, 1, 2];

    public int Seed { get; init; } = 11;
}

/// <summary>The outcome of a bid simulation: summaries per format × distortion, and the checks the scenario asserts.</summary>
public sealed record AuctionReport(
    IReadOnlyList<Lot> Lots,
    IReadOnlyList<AuctionSummary> Summaries,
    IReadOnlyList<AuctionOutcome> Baseline,
    IReadOnlyList<Check> Checks,
    IReadOnlyList<string> Charts)
{
    public bool Passed => Checks.All(c => c.Passed);
}

/// <summary>
/// Runs the bid simulation against a platform: active listings of the lab's market are estimated through <c>/estimate</c>
/// (estimate and interval as served), their noise-free values are the ground truth, and every format × bias × width is
/// auctioned to the same bidders. Writes <c>auction.md</c>, <c>auction.json</c> and charts.
/// </summary>
public sealed class AuctionRunner(PlatformClient client, MarketSpec market, string tenant, TextWriter log)
{
    public async Task<AuctionReport> RunAsync(AuctionSpec spec, string directory, CancellationToken cancellationToken)
    {
        var lots = await EstimateLotsAsync(spec, cancellationToken).ConfigureAwait(false);
        var median = lots.Select(l => l.TrueValue).Order().ElementAt(lots.Count / 2);
        var bidders = AuctionSimulation.Bidders(spec.BiddersPerPersona, spec.Seed, median);
        var summaries = new List<AuctionSummary>();
        List<AuctionOutcome> baseline = [];
        foreach (var format in Enum.GetValues<AuctionFormat>())
        {
            foreach (var bias in spec.Biases)
            {
                foreach (var width in spec.Widths)
                {
                    var distortion = new ModelDistortion(bias, width);
                    var outcomes = lots.Select(lot => AuctionSimulation.Run(lot, bidders, format, distortion)).ToList();
                    summaries.Add(AuctionSummaries.Summarise(outcomes));
                    if (format == AuctionFormat.Sealed && bias == 0 && width == 1)
                    {
                        baseline = outcomes;
                    }
                }
            }
        }

        var checks = Checks(spec, summaries);
        Directory.CreateDirectory(directory);
        var charts = Charts(summaries, baseline, directory);
        var report = new AuctionReport(lots, summaries, baseline, checks, charts);
        File.WriteAllText(Path.Combine(directory, "auction.json"), Json(report, spec).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(directory, "auction.md"), Markdown(report, spec));
        log.WriteLine($"auction: {lots.Count} lots, {bidders.Count} bidders, {summaries.Count} format × bias × width runs; {(report.Passed ? "passed" : "FAILED")}");
        return report;
    }

    private async Task<List<Lot>> EstimateLotsAsync(AuctionSpec spec, CancellationToken cancellationToken)
    {
        var copy = new LabMarket(market, tenant);
        var listings = copy.Properties.Where(p => p.Status == ListingStatus.Active).Take(spec.Lots).ToList();
        if (listings.Count < 5)
        {
            throw new InvalidOperationException($"The market has only {listings.Count} active listings; raise market.properties.");
        }

        var body = new JsonObject { ["properties"] = new JsonArray([.. listings.Select(p => (JsonNode)TrafficAgent.EstimateRow(p, copy.ValuationDate))]) };
        var answer = await client.SendJsonAsync(HttpMethod.Post, "/estimate", body, cancellationToken, admin: false).ConfigureAwait(false);
        var lots = new List<Lot>();
        foreach (var row in answer?["results"]?.AsArray() ?? [])
        {
            if (row?["status"]?.GetValue<string>() != "ok")
            {
                continue;
            }

            var property = listings[row["index"]!.GetValue<int>()];
            lots.Add(new Lot(property, copy.TrueValue(property, copy.ValuationDate),
                row["estimate"]!.GetValue<double>(), row["low"]!.GetValue<double>(), row["high"]!.GetValue<double>()));
        }

        return lots;
    }

    private static List<Check> Checks(AuctionSpec spec, List<AuctionSummary> summaries)
    {
        var checks = new List<Check>();
        foreach (var format in Enum.GetValues<AuctionFormat>())
        {
            if (summaries.FirstOrDefault(s => s.Format == format && s.Distortion == new ModelDistortion(0, 1)) is { } unbiased)
            {
                checks.Add(new Check($"{format.ToString().ToLowerInvariant()}: unbiased prices track true values",
                    unbiased.MedianPriceToTrue is > 0.8 and < 1.2 && unbiased.Sold > unbiased.Lots / 2,
                    string.Create(CultureInfo.InvariantCulture, $"median price / true value {unbiased.MedianPriceToTrue:0.000}, {unbiased.Sold} of {unbiased.Lots} sold")));
            }

            var byBias = spec.Biases.Order().Select(b => summaries.First(s => s.Format == format && s.Distortion == new ModelDistortion(b, 1))).ToList();
            if (byBias.Count >= 2)
            {
                var rising = byBias.Zip(byBias.Skip(1)).All(p => p.Second.MeanPriceToTrue > p.First.MeanPriceToTrue);
                checks.Add(new Check($"{format.ToString().ToLowerInvariant()}: an upward model bias raises clearing prices", rising,
                    string.Join(", ", byBias.Select(s => string.Create(CultureInfo.InvariantCulture, $"bias {s.Distortion.Bias:+0%;-0%;0%}: {s.MeanPriceToTrue:0.000}")))));
            }
        }

        return checks;
    }

    private static IReadOnlyList<string> Charts(List<AuctionSummary> summaries, List<AuctionOutcome> baseline, string directory)
    {
        var files = new List<string>();
        var scatter = new Plot();
        var sold = baseline.Where(o => o.Winner is not null).ToList();
        foreach (var persona in Personas.All)
        {
            var won = sold.Where(o => o.Winner!.Persona == persona).ToList();
            if (won.Count > 0)
            {
                var points = scatter.Add.ScatterPoints(won.Select(o => o.Lot.TrueValue / 1e6).ToArray(), won.Select(o => o.Price / 1e6).ToArray());
                points.LegendText = persona;
            }
        }

        if (sold.Count > 0)
        {
            var top = sold.Max(o => Math.Max(o.Lot.TrueValue, o.Price)) / 1e6;
            var diagonal = scatter.Add.Line(0, 0, top, top);
            diagonal.LinePattern = LinePattern.Dashed;
            diagonal.LegendText = "price = true value";
        }

        scatter.Title("Sealed-bid clearing price vs true value (unbiased model), by winner");
        scatter.XLabel("true value (M NOK)");
        scatter.YLabel("clearing price (M NOK)");
        scatter.ShowLegend(Alignment.UpperLeft);
        files.Add(Save(scatter, directory, "auction_price_vs_true.png"));

        var curse = new Plot();
        var bars = new List<Bar>();
        var position = 0.0;
        var ticks = new List<Tick>();
        foreach (var persona in Personas.All)
        {
            foreach (var (format, index) in Enum.GetValues<AuctionFormat>().Select((f, i) => (f, i)))
            {
                var summary = summaries.First(s => s.Format == format && s.Distortion == new ModelDistortion(0, 1));
                bars.Add(new Bar { Position = position, Value = summary.Personas[persona].MeanOverpayment * 100, FillColor = index == 0 ? Colors.SteelBlue : Colors.DarkOrange });
                position += 1;
            }

            ticks.Add(new Tick(position - 1.5, persona));
            position += 1;
        }

        curse.Add.Bars(bars);
        curse.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        curse.Add.HorizontalLine(0);
        curse.Title("Winner's curse by persona: mean (price − true) / true of lots won (blue sealed, orange ascending)");
        curse.YLabel("overpayment (%)");
        files.Add(Save(curse, directory, "auction_winners_curse.png"));

        var bias = new Plot();
        foreach (var format in Enum.GetValues<AuctionFormat>())
        {
            var line = summaries.Where(s => s.Format == format && s.Distortion.Width == 1).OrderBy(s => s.Distortion.Bias).ToList();
            bias.Add.Scatter(line.Select(s => s.Distortion.Bias * 100).ToArray(), line.Select(s => s.MeanPriceToTrue).ToArray()).LegendText = $"{format} price / true";
            foreach (var persona in Personas.All)
            {
                var share = bias.Add.Scatter(line.Select(s => s.Distortion.Bias * 100).ToArray(), line.Select(s => s.Personas[persona].WinShare).ToArray());
                share.LegendText = $"{format} {persona} win share";
                share.LinePattern = LinePattern.Dotted;
            }
        }

        bias.Title("Injected model bias: clearing price / true value and who wins");
        bias.XLabel("model bias (%)");
        bias.ShowLegend(Alignment.UpperLeft);
        files.Add(Save(bias, directory, "auction_bias.png"));

        var width = new Plot();
        foreach (var format in Enum.GetValues<AuctionFormat>())
        {
            var line = summaries.Where(s => s.Format == format && s.Distortion.Bias == 0).OrderBy(s => s.Distortion.Width).ToList();
            width.Add.Scatter(line.Select(s => s.Distortion.Width).ToArray(), line.Select(s => s.MeanPriceToTrue).ToArray()).LegendText = $"{format} price / true";
            var opportunist = width.Add.Scatter(line.Select(s => s.Distortion.Width).ToArray(), line.Select(s => s.Personas[Personas.Opportunist].WinShare).ToArray());
            opportunist.LegendText = $"{format} opportunist win share";
            opportunist.LinePattern = LinePattern.Dotted;
        }

        width.Title("Interval width: clearing price / true value and the opportunist's wins");
        width.XLabel("interval width (× served)");
        width.ShowLegend(Alignment.UpperLeft);
        files.Add(Save(width, directory, "auction_width.png"));
        return files;
    }

    private static string Save(Plot plot, string directory, string name)
    {
        plot.SavePng(Path.Combine(directory, name), 1000, 560);
        return name;
    }

    private static JsonObject Json(AuctionReport report, AuctionSpec spec) => new()
    {
        ["lots"] = report.Lots.Count,
        ["bidders_per_persona"] = spec.BiddersPerPersona,
        ["passed"] = report.Passed,
        ["checks"] = new JsonArray([.. report.Checks.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["passed"] = c.Passed, ["detail"] = c.Detail })]),
        ["runs"] = new JsonArray([.. report.Summaries.Select(s => (JsonNode)new JsonObject
        {
            ["format"] = s.Format.ToString().ToLowerInvariant(),
            ["bias"] = s.Distortion.Bias,
            ["width"] = s.Distortion.Width,
            ["sold"] = s.Sold,
            ["mean_price_to_true"] = Math.Round(s.MeanPriceToTrue, 4),
            ["median_price_to_true"] = Math.Round(s.MedianPriceToTrue, 4),
            ["personas"] = new JsonObject([.. s.Personas.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)new JsonObject
            {
                ["wins"] = p.Value.Wins,
                ["win_share"] = Math.Round(p.Value.WinShare, 4),
                ["mean_overpayment"] = Math.Round(p.Value.MeanOverpayment, 4),
                ["overpaid_share"] = Math.Round(p.Value.OverpaidShare, 4),
            }))]),
        })]),
        ["charts"] = new JsonArray([.. report.Charts.Select(c => (JsonNode)c)]),
    };

    private static string Markdown(AuctionReport report, AuctionSpec spec)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Bid simulation — {(report.Passed ? "PASSED" : "FAILED")}").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"{report.Lots.Count} active listings estimated by the platform; {spec.BiddersPerPersona} bidder(s) per persona; true value = the market's noise-free price on the valuation date.");
        md.AppendLine().AppendLine("## Clearing price vs true value").AppendLine();
        md.AppendLine("| format | bias | width | sold | mean price/true | median price/true |").AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in report.Summaries)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Format.ToString().ToLowerInvariant()} | {s.Distortion.Bias:+0%;-0%;0%} | {s.Distortion.Width:0.##} | {s.Sold}/{s.Lots} | {s.MeanPriceToTrue:0.000} | {s.MedianPriceToTrue:0.000} |");
        }

        md.AppendLine().AppendLine("## Winner's curse by persona (interval as served)").AppendLine();
        md.AppendLine("| format | bias | persona | wins | win share | mean overpayment | overpaid share |").AppendLine("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
        foreach (var s in report.Summaries.Where(s => s.Distortion.Width == 1))
        {
            foreach (var (persona, result) in s.Personas)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {s.Format.ToString().ToLowerInvariant()} | {s.Distortion.Bias:+0%;-0%;0%} | {persona} | {result.Wins} | {result.WinShare:P0} | {result.MeanOverpayment:+0.0%;-0.0%} | {result.OverpaidShare:P0} |");
            }
        }

        md.AppendLine().AppendLine("## Checks").AppendLine().AppendLine("| check | result | detail |").AppendLine("| --- | --- | --- |");
        foreach (var check in report.Checks)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {check.Name} | {(check.Passed ? "pass" : "**FAIL**")} | {check.Detail} |");
        }

        md.AppendLine().AppendLine("## Charts").AppendLine();
        foreach (var chart in report.Charts)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"![{Path.GetFileNameWithoutExtension(chart)}]({chart})");
        }

        return md.ToString();
    }
}
