using Platform.Lab.Agents;
using Platform.Lab.Reporting;
using Platform.Lab.Scenarios;
using Platform.Lab.Traffic;

namespace Platform.Lab.Tests;

public sealed class ThresholdJudgeTests
{
    [Fact]
    public void A_failed_error_rate_names_the_statuses_of_the_failures()
    {
        var recorder = new RunRecorder(TimeSpan.FromSeconds(1));
        foreach (var (route, status) in new[] { ("estimate", 200), ("estimate", 429), ("estimate", 429), ("interactions", 503), ("interactions", 200) })
        {
            recorder.Record(new Sample(route, TimeSpan.Zero, 1_000, status, ProblemDetails: status != 200, RetryAfter: status == 429));
        }

        using var client = new PlatformClient(new Uri("http://127.0.0.1:9/"), "demo", apiKey: null);
        var thresholds = new[] { "all", "estimate" }.Select(scope => Threshold.Parse(scope, "error_rate == 0%", out _)).ToList();

        var checks = ThresholdJudge.Judge(thresholds, recorder, new Observer(client), TimeSpan.FromSeconds(1));

        Assert.All(checks, c => Assert.False(c.Passed));
        Assert.Equal("observed 60% (429×2, 503×1)", checks[0].Detail);
        Assert.Equal("observed 66.667% (429×2)", checks[1].Detail);
    }

    [Fact]
    public void A_met_error_rate_says_only_the_rate()
    {
        var recorder = new RunRecorder(TimeSpan.FromSeconds(1));
        recorder.Record(new Sample("estimate", TimeSpan.Zero, 1_000, 200, ProblemDetails: false, RetryAfter: false));
        using var client = new PlatformClient(new Uri("http://127.0.0.1:9/"), "demo", apiKey: null);

        var check = Assert.Single(ThresholdJudge.Judge([Threshold.Parse("all", "error_rate == 0%", out _)], recorder, new Observer(client), TimeSpan.FromSeconds(1)));

        Assert.True(check.Passed);
        Assert.Equal("observed 0%", check.Detail);
    }
}
