using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.BuildingBlocks.Registry;
using Platform.Lab.Reporting;
using Platform.Lab.Scenarios;
using Xunit.Abstractions;

namespace Platform.Lab.Tests;

/// <summary>
/// The six shipped scenarios, each run by the lab against the real host (<see cref="LabPlatformFixture"/>), with its outcome
/// asserted from the report and, where the platform holds the proof, from the platform itself.
/// </summary>
[Collection(LabPlatformCollection.Name)]
[TestCaseOrderer(ByNameOrderer.TypeName, ByNameOrderer.AssemblyName)]
public sealed class ScenarioRunTests(LabPlatformFixture platform, ITestOutputHelper output)
{
    [Fact]
    public async Task S1_baseline_soak_holds_its_slos_with_zero_errors()
    {
        var report = await RunAsync("baseline-soak");

        AssertPassed(report);
        Assert.Equal(0, report.Recorder.TotalErrors);
        Assert.True(report.Recorder.TotalCount > 150, $"only {report.Recorder.TotalCount} requests sent");
        Assert.Equal(5, report.Recorder.Routes.Count);
    }

    [Fact]
    public async Task S2_burst_meets_the_rate_limiter_with_429_and_retry_after_and_nothing_else_fails()
    {
        var report = await RunAsync("burst");

        AssertPassed(report);
        var statuses = report.Recorder.Routes.Values.SelectMany(r => r.Statuses).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
        Assert.True(statuses.GetValueOrDefault(429) > 50, $"429 seen {statuses.GetValueOrDefault(429)} times");
        Assert.Equal([200, 429], statuses.Keys.Order());
        // The quiet tail after the burst is served again.
        var tail = report.Phases.Single(p => p.Name == "tail");
        var estimate = report.Recorder.Routes["estimate"].Timeline().Where(b => b.Start >= tail.From + TimeSpan.FromSeconds(1)).ToList();
        Assert.NotEmpty(estimate);
        Assert.All(estimate, b => Assert.Equal(0, b.Errors));
    }

    [Fact]
    public async Task S3_canary_rollback_moves_the_worse_challenger_out_of_traffic()
    {
        var report = await RunAsync("canary-rollback");

        AssertPassed(report);
        var rollback = Assert.Single(report.Decisions, d => d.Action == "rollback");
        Assert.True(rollback.Succeeded);
        Assert.True(report.Recorder.Aliases["challenger"].MdApe(TimeSpan.Zero).MdApe > 0.25);
        // The registry agrees: the challenger alias now points at the champion, so the canary share is served by the champion.
        var aliases = await platform.Registry.GetAliasesAsync("demo", "price");
        Assert.Equal(aliases[ModelRegistry.Champion], aliases[ModelRegistry.Challenger]);
    }

    [Fact]
    public async Task S3b_shadow_release_scores_the_challenger_without_returning_it()
    {
        var aliases = await platform.Registry.GetAliasesAsync("demo", "price");
        var champion = aliases[ModelRegistry.Champion];
        var challenger = (await platform.Registry.ListVersionsAsync("demo", "price")).Select(v => v.Version).First(v => v != champion);
        using var client = platform.Client();
        SetReleaseMode("Shadow", 1.0);
        try
        {
            await client.SendJsonAsync(HttpMethod.Post, "/registry/price/aliases/challenger", new JsonObject { ["version"] = challenger }, CancellationToken.None);
            var market = new Traffic.LabMarket(new MarketSpec { Properties = 20, Users = 1 }, "demo");
            var served = new List<(string Alias, int Version)>();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (served.Count < 20 && DateTime.UtcNow < deadline)
            {
                var row = Traffic.TrafficAgent.EstimateRow(market.Properties[served.Count % 20], market.ValuationDate);
                var answer = await client.SendJsonAsync(HttpMethod.Post, "/estimate", new JsonObject { ["properties"] = new JsonArray(row) }, CancellationToken.None, admin: false);
                served.Add((answer!["alias"]!.GetValue<string>(), answer["model_version"]!.GetValue<int>()));
            }

            // Every answer is the champion's; the challenger's opinion only shows in the shadow metric.
            Assert.All(served, s => Assert.Equal(("champion", champion), s));
            var metrics = await client.Http.GetStringAsync("/metrics/prometheus");
            var count = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("platform_valuation_shadow_difference", StringComparison.Ordinal)
                && l.Contains("_count{", StringComparison.Ordinal));
            Assert.NotNull(count);
            Assert.Contains($"version=\"{challenger}\"", count);
            Assert.True(double.Parse(count.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture) >= 1, count);
        }
        finally
        {
            await client.SendJsonAsync(HttpMethod.Post, "/registry/price/aliases/challenger", new JsonObject { ["version"] = champion }, CancellationToken.None);
            SetReleaseMode("Canary", 0.2);
        }
    }

    /// <summary>Switches Valuation:Release at run time, as a configuration reload would.</summary>
    private void SetReleaseMode(string mode, double share)
    {
        platform.App.Configuration["Valuation:Release:Mode"] = mode;
        platform.App.Configuration["Valuation:Release:Share"] = share.ToString(System.Globalization.CultureInfo.InvariantCulture);
        platform.App.Services.GetRequiredService<IOptionsMonitorCache<Valuation.Api.ValuationOptions>>().TryRemove(Options.DefaultName);
    }

    [Fact]
    public async Task S4_fault_storm_fails_cleanly_and_stores_every_interaction_exactly_once()
    {
        var report = await RunAsync("fault-storm");

        AssertPassed(report);
        Assert.True(report.FaultsInjected!.GetValueOrDefault("state_store:error") > 0);
        Assert.True(report.Recorder.Routes["interactions"].Errors > 0, "no interaction request failed: the storm did not reach the ingestion path");
        var runId = report.Notes.Single(n => n.StartsWith("interaction run id: ", StringComparison.Ordinal))["interaction run id: ".Length..];
        await using var connection = await platform.Database.DataSource.OpenConnectionAsync();
        await using var count = new NpgsqlCommand("SELECT count(*), count(DISTINCT event_id) FROM interactions WHERE event_id LIKE @prefix", connection);
        count.Parameters.AddWithValue("prefix", runId + "-%");
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        var expected = report.Expectations.Single(e => e.Name == "interactions_exactly_once");
        Assert.True(reader.GetInt64(0) > 0);
        Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
        Assert.Contains($"{reader.GetInt64(0)} sent", expected.Detail);

        // Faults are off again after the run.
        using var client = platform.Client();
        var chaos = await client.GetJsonAsync("/admin/chaos", CancellationToken.None, admin: true);
        Assert.Empty(chaos!["ports"]!.AsObject());
    }

    [Fact]
    public async Task S5_auction_reports_clearing_prices_winners_curse_and_bias_effects()
    {
        var report = await RunAsync("auction");

        AssertPassed(report);
        Assert.Equal(4, report.Expectations.Count(e => e.Name.StartsWith("auction: ", StringComparison.Ordinal)));
        var folder = Folder("auction");
        foreach (var file in new[] { "auction.md", "auction.json", "auction_price_vs_true.png", "auction_winners_curse.png", "auction_bias.png", "auction_width.png" })
        {
            Assert.True(new FileInfo(Path.Combine(folder, file)).Length > 0, file);
        }

        var markdown = await File.ReadAllTextAsync(Path.Combine(folder, "auction.md"));
        Assert.Contains("| sealed | +10% | 1 |", markdown);
        Assert.Contains("owner-occupier", markdown);
    }

    [Fact]
    public async Task S6_drift_then_retrain_requests_training_and_a_new_version_serves()
    {
        var champion = (await platform.Registry.ResolveAsync("demo", "price", ModelRegistry.Champion))!;
        var before = champion.Version;

        var report = await RunAsync("drift-then-retrain");

        AssertPassed(report);
        var retrain = Assert.Single(report.Decisions, d => d.Action == "retrain");
        Assert.Contains("property_type", retrain.Detail);
        var after = (await platform.Registry.ResolveAsync("demo", "price", ModelRegistry.Champion))!.Version;
        Assert.True(after > before, $"champion still v{before}");
        var deployed = await platform.Registry.GetVersionAsync("demo", "price", after);
        // Trained by another workflow run than the model it replaced (the one the training-requested event started).
        Assert.NotNull(deployed!.Lineage.WorkflowInstanceId);
        Assert.NotEqual(champion.Lineage.WorkflowInstanceId, deployed.Lineage.WorkflowInstanceId);
    }

    private async Task<RunReport> RunAsync(string name)
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(RepoPaths.Scenarios, name + ".yaml"));
        using var client = platform.Client(scenario.Tenant);
        var log = new StringWriter();
        var started = DateTime.UtcNow;
        var report = await new Commander(scenario, client, log).RunAsync(Folder(name), CancellationToken.None);
        output.WriteLine(log.ToString());
        output.WriteLine(ReportWriter.Markdown(report));
        output.WriteLine($"{name}: {(DateTime.UtcNow - started).TotalSeconds:F1} s");
        foreach (var file in new[] { "report.md", "report.json", "latency.png", "throughput.png", "errors.png", "psi.png" })
        {
            Assert.True(new FileInfo(Path.Combine(Folder(name), file)).Length > 0, file);
        }

        return report;
    }

    private string Folder(string name) => Path.Combine(platform.Workspace, "reports", name);

    private static void AssertPassed(RunReport report)
    {
        var failed = report.Thresholds.Concat(report.Expectations).Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}").ToList();
        Assert.True(report.Passed, "failed checks: " + string.Join("; ", failed));
    }
}
