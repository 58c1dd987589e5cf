using System.Text.Json.Nodes;
using Platform.Lab.Agents;
using Platform.Lab.Scenarios;
using Platform.Lab.Traffic;

namespace Platform.Lab.Reporting;

/// <summary>Everything one run produced; <see cref="Passed"/> is the verdict the command's exit code reports.</summary>
public sealed record RunReport(
    Scenario Scenario,
    Uri Platform,
    DateTimeOffset StartedAt,
    TimeSpan TimelineDuration,
    TimeSpan TotalDuration,
    IReadOnlyList<PhaseWindow> Phases,
    RunRecorder Recorder,
    IReadOnlyList<Observation> Observations,
    int FailedObservations,
    IReadOnlyList<Decision> Decisions,
    IReadOnlyList<Check> Thresholds,
    IReadOnlyList<Check> Expectations,
    IReadOnlyDictionary<string, long>? FaultsInjected,
    IReadOnlyList<string> Notes)
{
    public bool Passed => Thresholds.All(t => t.Passed) && Expectations.All(e => e.Passed);

    public List<string> Charts { get; } = [];

    public JsonObject ToJson()
    {
        var routes = new JsonObject();
        foreach (var (name, stats) in Recorder.Routes.OrderBy(r => r.Key))
        {
            routes[name] = new JsonObject
            {
                ["count"] = stats.Count,
                ["errors"] = stats.Errors,
                ["error_rate"] = stats.Count == 0 ? 0 : Math.Round(stats.Errors / (double)stats.Count, 6),
                ["throughput_rps"] = Math.Round(stats.Count / Math.Max(0.001, TimelineDuration.TotalSeconds), 2),
                ["p50_ms"] = Math.Round(stats.PercentileMs(50), 3),
                ["p90_ms"] = Math.Round(stats.PercentileMs(90), 3),
                ["p99_ms"] = Math.Round(stats.PercentileMs(99), 3),
                ["max_ms"] = Math.Round(stats.MaxMs(), 3),
                ["statuses"] = new JsonObject([.. stats.Statuses.OrderBy(s => s.Key).Select(s => KeyValuePair.Create(s.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonNode?)s.Value))]),
                ["timeline"] = new JsonArray([.. stats.Timeline().Select(b => (JsonNode)new JsonObject
                {
                    ["t_s"] = b.Start.TotalSeconds,
                    ["count"] = b.Count,
                    ["errors"] = b.Errors,
                    ["p50_ms"] = Math.Round(b.P50, 3),
                    ["p99_ms"] = Math.Round(b.P99, 3),
                })]),
            };
        }

        var aliases = new JsonObject();
        foreach (var (name, stats) in Recorder.Aliases.OrderBy(a => a.Key))
        {
            var (rows, mdape) = stats.MdApe(TimeSpan.Zero);
            aliases[name] = new JsonObject { ["requests"] = stats.Requests, ["failures"] = stats.Failures, ["rows"] = rows, ["mdape"] = Math.Round(mdape, 5) };
        }

        return new JsonObject
        {
            ["scenario"] = Scenario.Name,
            ["description"] = Scenario.Description,
            ["platform"] = Platform.ToString(),
            ["started_at"] = StartedAt,
            ["timeline_s"] = Math.Round(TimelineDuration.TotalSeconds, 2),
            ["total_s"] = Math.Round(TotalDuration.TotalSeconds, 2),
            ["passed"] = Passed,
            ["phases"] = new JsonArray([.. Phases.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["from_s"] = Math.Round(p.From.TotalSeconds, 2), ["to_s"] = Math.Round(p.To.TotalSeconds, 2) })]),
            ["routes"] = routes,
            ["aliases"] = aliases,
            ["versions_seen"] = new JsonArray([.. Recorder.VersionsSeen.Keys.Order().Select(v => (JsonNode)v)]),
            ["thresholds"] = Checks(Thresholds),
            ["expectations"] = Checks(Expectations),
            ["decisions"] = new JsonArray([.. Decisions.Select(d => (JsonNode)new JsonObject
            {
                ["t_s"] = Math.Round(d.At.TotalSeconds, 2), ["rule"] = d.Rule, ["action"] = d.Action, ["detail"] = d.Detail, ["succeeded"] = d.Succeeded,
            })]),
            ["observations"] = new JsonArray([.. Observations.Select(o => (JsonNode)Observer.ToJson(o))]),
            ["failed_observations"] = FailedObservations,
            ["faults_injected"] = FaultsInjected is null ? null : new JsonObject([.. FaultsInjected.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))]),
            ["notes"] = new JsonArray([.. Notes.Select(n => (JsonNode)n)]),
            ["charts"] = new JsonArray([.. Charts.Select(c => (JsonNode)c)]),
        };
    }

    private static JsonArray Checks(IReadOnlyList<Check> checks) =>
        [.. checks.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["passed"] = c.Passed, ["detail"] = c.Detail })];
}
