using Platform.Host;

namespace Platform.Lab.Tests;

/// <summary>The <c>platform lab</c> verbs as a user calls them: exit codes and report files.</summary>
[Collection(LabPlatformCollection.Name)]
public sealed class LabCommandTests(LabPlatformFixture platform)
{
    [Fact]
    public async Task Validate_checks_a_scenario_without_running_it()
    {
        var good = await Invoke("lab", "run", Path.Combine(RepoPaths.Scenarios, "burst.yaml"), "--validate");
        var bad = Path.Combine(platform.Workspace, "bad.yaml");
        await File.WriteAllTextAsync(bad, "name: bad\nphases:\n  - name: x\n    duration: forever\n");

        Assert.Equal(0, good);
        Assert.Equal(2, await Invoke("lab", "run", bad, "--validate"));
    }

    [Fact]
    public async Task Lab_run_drives_a_platform_and_exits_zero_when_the_scenario_passes()
    {
        var output = Path.Combine(platform.Workspace, "cli-auction");

        var exit = await Invoke("lab", "run", Path.Combine(RepoPaths.Scenarios, "auction.yaml"), "--url", platform.Url.ToString(),
            "--api-key", LabPlatformFixture.ApiKey, "--tenant-key", platform.DemoTenantKey, "--output", output);

        Assert.Equal(0, exit);
        Assert.True(File.Exists(Path.Combine(output, "report.md")));
        Assert.Contains("PASSED", await File.ReadAllTextAsync(Path.Combine(output, "auction.md")));
    }

    private static Task<int> Invoke(params string[] args) => PlatformCommandLine.Create().Parse(args).InvokeAsync();
}
