using Platform.Lab.Scenarios;

namespace Platform.Lab.Tests;

public sealed class ScenarioLoaderTests
{
    public static TheoryData<string> ShippedScenarios() => [.. Directory.GetFiles(RepoPaths.Scenarios, "*.yaml").Select(f => new FileInfo(f).Name)];

    [Theory]
    [MemberData(nameof(ShippedScenarios))]
    public void Every_shipped_scenario_is_valid(string file)
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(RepoPaths.Scenarios, file));

        Assert.Equal(Path.GetFileNameWithoutExtension(file), scenario.Name);
        Assert.True(scenario.Phases.Count > 0 || scenario.Auction is not null);
        // Small scale: each shipped scenario's timeline fits well inside the 60 s a CI scenario may take.
        Assert.InRange(scenario.TotalDuration.TotalSeconds, 0, 15);
    }

    [Fact]
    public void A_full_scenario_reads_into_the_model()
    {
        var scenario = ScenarioLoader.Load("""
            name: example
            tenant: acme
            market: { seed: 3, properties: 100, users: 5 }
            phases:
              - name: ramp
                duration: 1.5s
                traffic: { pattern: ramp, from: 5, to: 50, mix: { estimate: 3, recommend: 1 } }
              - name: storm
                duration: 2m
                traffic: { pattern: burst, rate: 10, peak: 200, burst_at: 30s, burst_for: 10s }
                drift:
                  - { feature: usable_area, shift: 20%, scale: 1.5, over: 1m }
                  - { feature: property_type, mix: { enebolig: 1 } }
                faults:
                  state_store: { error_rate: 50%, latency_rate: 0.2, latency: 30ms }
                  pubsub: { drop_rate: 10% }
            thresholds:
              estimate: ["p99 < 50ms", "error_rate < 1%"]
              model: "freshness < 2h"
            guardrails: { retrain_on_drift: true, canary_slo: ["mdape < 20%"] }
            expect: { statuses: [200, 429], within: 30s }
            """);

        Assert.Equal("acme", scenario.Tenant);
        Assert.Equal(TimeSpan.FromSeconds(121.5), scenario.TotalDuration);
        var ramp = scenario.Phases[0].Traffic!;
        Assert.Equal(TrafficPattern.Ramp, ramp.Pattern);
        Assert.Equal(0.75, ramp.Mix["estimate"] / ramp.Mix.Values.Sum());
        var storm = scenario.Phases[1];
        Assert.Equal(0.2, storm.Drift[0].Shift, 10);
        Assert.Equal(new FaultSpec(0.5, 0.2, 30, 0), storm.Faults!["state_store"]);
        Assert.Equal(0.1, storm.Faults["pubsub"].DropRate, 10);
        Assert.Collection(scenario.Thresholds,
            t => Assert.Equal(("estimate", "p99", "<", 50.0), (t.Scope, t.Metric, t.Operator, t.Value)),
            t => Assert.Equal(("estimate", "error_rate", 0.01), (t.Scope, t.Metric, t.Value)),
            t => Assert.Equal(("model", "freshness", 7200.0), (t.Scope, t.Metric, t.Value)));
        Assert.Equal("challenger", scenario.Guardrails.CanarySlo.Single().Scope);
        Assert.Equal([200, 429], scenario.Expect.Statuses!);
        Assert.Equal(TimeSpan.FromSeconds(30), scenario.Expect.Within);
    }

    [Fact]
    public void Every_problem_is_reported_with_its_line_and_key()
    {
        var exception = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load("""
            name: Bad Name
            phases:
              - name: one
                duration: ten seconds
                traffic:
                  pattern: zigzag
                  rate: 5
                  mix: { estimate: 1, teleport: 2 }
                faults:
                  disk: { error_rate: 1 }
                  pubsub: { drop_rate: 150% }
            thresholds:
              estimate: ["p99 is small", "latency < 5ms"]
            colour: blue
            """, "bad.yaml"));

        Assert.Contains("line 1, name: use lower-case letters", exception.Message);
        Assert.Contains("line 4, phases[0].duration: 'ten seconds' is not a duration", exception.Message);
        Assert.Contains("line 6, phases[0].traffic.pattern: 'zigzag' is not one of soak, ramp, burst, step.", exception.Message);
        Assert.Contains("line 8, phases[0].traffic.mix.teleport: unknown route", exception.Message);
        Assert.Contains("line 10, phases[0].faults.disk: unknown port", exception.Message);
        Assert.Contains("line 11, phases[0].faults.pubsub.drop_rate: 150% is out of range", exception.Message);
        Assert.Contains("line 13, thresholds.estimate: 'p99 is small' is not a threshold", exception.Message);
        Assert.Contains("line 13, thresholds.estimate: unknown metric 'latency'", exception.Message);
        Assert.Contains("line 14, colour: unknown key.", exception.Message);
        Assert.StartsWith("bad.yaml: 9 problem(s)", exception.Message);
    }

    [Fact]
    public void Missing_required_keys_and_broken_yaml_are_named()
    {
        var missing = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load("description: nothing else\n"));
        Assert.Contains(missing.Problems, p => p.Contains("name: is required", StringComparison.Ordinal));
        Assert.Contains(missing.Problems, p => p.Contains("phases: is required", StringComparison.Ordinal));

        var broken = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load("name: x\nphases: [\n"));
        Assert.Contains("not valid YAML", broken.Message);
    }

    [Theory]
    [InlineData("p99 < 50ms", "p99", "<", 50.0)]
    [InlineData("p95<=2s", "p95", "<=", 2000.0)]
    [InlineData("error_rate == 0%", "error_rate", "==", 0.0)]
    [InlineData("mdape < 12.5%", "mdape", "<", 0.125)]
    [InlineData("freshness < 30m", "freshness", "<", 1800.0)]
    [InlineData("psi >= 0.25", "psi", ">=", 0.25)]
    public void Thresholds_parse_with_units(string text, string metric, string op, double value)
    {
        var threshold = Threshold.Parse("estimate", text, out var problem);

        Assert.Null(problem);
        Assert.Equal((metric, op), (threshold.Metric, threshold.Operator));
        Assert.Equal(value, threshold.Value, 9);
    }

    [Fact]
    public void Rate_patterns_give_the_target_rate_over_a_phase()
    {
        var phase = TimeSpan.FromSeconds(10);
        var ramp = new TrafficSpec { Pattern = TrafficPattern.Ramp, From = 10, To = 30 };
        var burst = new TrafficSpec { Pattern = TrafficPattern.Burst, Rate = 5, Peak = 100, BurstAt = TimeSpan.FromSeconds(2), BurstFor = TimeSpan.FromSeconds(3) };
        var step = new TrafficSpec { Pattern = TrafficPattern.Step, Steps = [1, 2, 3, 4, 5] };

        Assert.Equal([10.0, 20.0, 30.0], [ramp.RateAt(TimeSpan.Zero, phase), ramp.RateAt(TimeSpan.FromSeconds(5), phase), ramp.RateAt(phase, phase)]);
        Assert.Equal([5.0, 100.0, 100.0, 5.0], [.. new[] { 1.9, 2.0, 4.9, 5.0 }.Select(s => burst.RateAt(TimeSpan.FromSeconds(s), phase))]);
        Assert.Equal([1.0, 3.0, 5.0], [step.RateAt(TimeSpan.Zero, phase), step.RateAt(TimeSpan.FromSeconds(5), phase), step.RateAt(TimeSpan.FromSeconds(9.99), phase)]);
    }
}

internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Scenarios => Path.Combine(Root, "scenarios");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Platform.sln not found above the test binaries.");
    }
}
