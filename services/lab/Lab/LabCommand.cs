using System.CommandLine;
using Platform.Lab.Auction;
using Platform.Lab.Scenarios;

namespace Platform.Lab;

/// <summary><c>platform lab run SCENARIO [--url]</c> and <c>platform lab auction</c>.</summary>
public static class LabCommand
{
    /// <param name="defaultApiKey">The admin key when none is given.</param>
    /// <param name="defaultTenantKey">The tenant key when none is given (the main job's demo key, for its demo tenant).</param>
    public static Command Create(Func<string?> defaultApiKey, Func<string, string?>? defaultTenantKey = null) => new("lab", "The stress lab: scenario runs against a platform, and the bid simulation.")
    {
        RunCommand(defaultApiKey, defaultTenantKey ?? (_ => null)),
        AuctionCommand.Create(defaultApiKey, defaultTenantKey ?? (_ => null)),
    };

    private static Command RunCommand(Func<string?> defaultApiKey, Func<string, string?> defaultTenantKey)
    {
        var scenario = new Argument<FileInfo>("scenario") { Description = "Scenario file (YAML), e.g. scenarios/baseline-soak.yaml." };
        var url = UrlOption();
        var apiKey = new Option<string?>("--api-key") { Description = "Admin key for chaos, registry and workflow calls (default: the local key file)." };
        var tenantKey = new Option<string?>("--tenant-key") { Description = "The scenario tenant's API key (default: the main job's demo key for its tenant)." };
        var output = new Option<DirectoryInfo?>("--output") { Description = "Report folder (default: lab-reports/NAME)." };
        var validate = new Option<bool>("--validate") { Description = "Only read and check the scenario file." };
        var command = new Command("run", "Run a scenario: traffic, drift and faults on a timeline, guardrails acting, SLOs judged; exits 1 when one fails.")
        {
            scenario, url, apiKey, tenantKey, output, validate,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            Scenario loaded;
            try
            {
                loaded = ScenarioLoader.LoadFile(result.GetValue(scenario)!.FullName);
            }
            catch (Exception exception) when (exception is ScenarioException or IOException)
            {
                await Console.Error.WriteLineAsync(exception.Message);
                return 2;
            }

            if (result.GetValue(validate))
            {
                Console.WriteLine($"{loaded.Name}: {loaded.Phases.Count} phases, {loaded.TotalDuration.TotalSeconds:0.#} s, {loaded.Thresholds.Count} thresholds — valid.");
                return 0;
            }

            using var client = new PlatformClient(result.GetValue(url)!, loaded.Tenant, result.GetValue(apiKey) ?? defaultApiKey(),
                tenantKey: result.GetValue(tenantKey) ?? defaultTenantKey(loaded.Tenant));
            var folder = result.GetValue(output)?.FullName ?? Path.Combine("lab-reports", loaded.Name);
            try
            {
                var report = await new Commander(loaded, client, Console.Out).RunAsync(folder, cancellationToken);
                foreach (var check in report.Thresholds.Concat(report.Expectations))
                {
                    Console.WriteLine($"{(check.Passed ? "ok  " : "FAIL")} {check.Name}: {check.Detail}");
                }

                Console.WriteLine($"{loaded.Name}: {(report.Passed ? "passed" : "FAILED")}; report in {Path.Combine(folder, "report.md")}");
                return report.Passed ? 0 : 1;
            }
            catch (Exception exception) when (exception is PlatformCallException or HttpRequestException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync($"{loaded.Name}: could not run: {exception.Message}");
                return 2;
            }
        });
        return command;
    }

    internal static Option<Uri> UrlOption() => new("--url")
    {
        Description = "The running platform.",
        DefaultValueFactory = _ => new Uri("http://127.0.0.1:5080"),
        CustomParser = result =>
        {
            if (Uri.TryCreate(result.Tokens[0].Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }

            result.AddError($"--url: '{result.Tokens[0].Value}' is not an absolute http(s) URL.");
            return null;
        },
    };
}
