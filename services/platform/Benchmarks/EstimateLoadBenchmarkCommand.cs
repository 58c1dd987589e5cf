using System.CommandLine;
using System.Globalization;

namespace Platform.Host.Benchmarks;

/// <summary>
/// <c>estimate-load</c>: drives a running valuation host over HTTP and prints throughput and latency percentiles. With
/// <c>--compare-auth</c> it alternates rounds with the tenant key and without a credential (the host's development-mode tenant
/// header), side by side in one run, and prints the ratio: the cost of authenticating every request. With
/// <c>--baseline-url</c> as well, the other rounds go with the same key to another host instead (a build from before
/// authentication existed), so the ratio is against that build.
/// </summary>
public static class EstimateLoadBenchmarkCommand
{
    public static Command Create()
    {
        var load = new HttpLoadOptions("Base address of the valuation host.", concurrency: 16, "Requests kept in flight.",
            "Tenant API key with scope estimate (default: the main job's demo key in .platform/demo-tenant-key).");
        var rowsPerRequest = new Option<int>("--rows-per-request")
        {
            Description = "Properties per request (1 = single-row).",
            DefaultValueFactory = _ => 1,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the generated rows.",
            DefaultValueFactory = _ => 42,
        };
        var tenant = new Option<string>("--tenant")
        {
            Description = "Tenant for the key-less rounds of --compare-auth (X-Tenant-Id; the host needs Platform:Auth:AllowTenantHeader=true).",
            DefaultValueFactory = _ => "demo",
        };
        var compareAuth = new Option<int>("--compare-auth")
        {
            Description = "Rounds per variant, alternating: with the API key, and with only the development-mode tenant header (0 = key only).",
            DefaultValueFactory = _ => 0,
        };

        var baselineUrl = new Option<string?>("--baseline-url")
        {
            Description = "With --compare-auth: send the other rounds, with the same key, to this host (e.g. a build from before authentication) instead of header-only rounds to --url.",
        };

        var command = new Command("estimate-load", "Load-test POST /estimate of a running valuation host: throughput and p50/p90/p99 latency.");
        Option[] options = [load.Url, .. load.Load, rowsPerRequest, seed, load.ApiKey, tenant, compareAuth, baselineUrl];
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var estimate = new EstimateLoadSettings(result.GetValue(rowsPerRequest), result.GetValue(seed));
            if (await load.ReadAsync(result, ("--rows-per-request", estimate.RowsPerRequest >= 1)).ConfigureAwait(false) is not (var baseAddress, var settings))
            {
                return 2;
            }

            var withKey = load.ApiKeyOrDemoKey(result) is { } key ? new Dictionary<string, string> { ["X-Api-Key"] = key } : null;
            using var client = HttpLoadDriver.CreateClient(baseAddress, settings.Concurrency);
            var rounds = result.GetValue(compareAuth);
            if (rounds <= 0)
            {
                return await HttpLoadOptions.ReportAsync(
                    await EstimateLoadBenchmark.RunAsync(client, estimate, settings, cancellationToken, withKey).ConfigureAwait(false)).ConfigureAwait(false);
            }

            if (withKey is null)
            {
                await Console.Error.WriteLineAsync("--compare-auth needs a tenant key: --api-key, or the main job's .platform/demo-tenant-key.").ConfigureAwait(false);
                return 2;
            }

            Uri? baselineAddress = null;
            if (result.GetValue(baselineUrl) is { } baselineText && (baselineAddress = await HostUrlOption.ParseAsync(baselineText, baselineUrl.Name).ConfigureAwait(false)) is null)
            {
                return 2;
            }

            using var baselineClient = baselineAddress is null ? null : HttpLoadDriver.CreateClient(baselineAddress, settings.Concurrency);

            // Against the same host with only the development-mode tenant header, or against the baseline host with the key.
            var (other, otherClient, otherHeaders) = baselineClient is null
                ? ("header only", client, new Dictionary<string, string> { ["X-Tenant-Id"] = result.GetValue(tenant)! })
                : ("baseline host", baselineClient, withKey);
            var variants = new[] { ("api key", client, withKey), (other, otherClient, otherHeaders) };
            var outcomes = variants.ToDictionary(v => v.Item1, _ => new List<HttpLoadResult>());
            for (var round = 0; round < rounds; round++)
            {
                // Alternating rounds spread the machine's drift over both variants instead of charging it to one.
                foreach (var (variant, target, headers) in variants)
                {
                    var outcome = await EstimateLoadBenchmark.RunAsync(target, estimate, settings, cancellationToken, headers).ConfigureAwait(false);
                    outcomes[variant].Add(outcome);
                    Console.WriteLine($"round {round + 1} {variant,-13}: {outcome.Describe()}");
                    if (outcome.FirstError is not null)
                    {
                        await Console.Error.WriteLineAsync($"first error ({variant}): {outcome.FirstError}").ConfigureAwait(false);
                        return 1;
                    }
                }
            }

            var keyed = outcomes["api key"].Average(o => o.RequestsPerSecond);
            var compared = outcomes[other].Average(o => o.RequestsPerSecond);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mean throughput: api key {keyed:F0} req/s, {other} {compared:F0} req/s, ratio {keyed / compared:P1} "
                + $"(p99 {outcomes["api key"].Average(o => o.P99Milliseconds):F2} ms vs {outcomes[other].Average(o => o.P99Milliseconds):F2} ms)"));
            return 0;
        });
        return command;
    }
}
