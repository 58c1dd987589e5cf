using System.CommandLine;

namespace Platform.Host.Benchmarks;

/// <summary>
/// <c>estimate-load</c>: drives a running valuation host over HTTP and prints throughput and latency percentiles. With
/// <c>--compare-auth</c> it alternates rounds with the tenant key and without a credential (the host's development-mode tenant
/// header), side by side in one run, and prints the ratio: the cost of authenticating every request.
/// </summary>
public static class EstimateLoadBenchmarkCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url")
        {
            Description = "Base address of the valuation host.",
            DefaultValueFactory = _ => "http://127.0.0.1:5080/",
        };
        var duration = new Option<double>("--duration")
        {
            Description = "Seconds to measure (after --warmup).",
            DefaultValueFactory = _ => 10,
        };
        var warmup = new Option<double>("--warmup")
        {
            Description = "Seconds of unmeasured load first.",
            DefaultValueFactory = _ => 2,
        };
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Requests kept in flight.",
            DefaultValueFactory = _ => 16,
        };
        var rowsPerRequest = new Option<int>("--rows-per-request")
        {
            Description = "Properties per request (1 = single-row).",
            DefaultValueFactory = _ => 1,
        };
        var rate = new Option<double>("--rate")
        {
            Description = "Target requests per second (0 = as fast as possible).",
            DefaultValueFactory = _ => 0,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the generated rows.",
            DefaultValueFactory = _ => 42,
        };

        var apiKey = new Option<string?>("--api-key")
        {
            Description = "Tenant API key with scope estimate (default: the main job's demo key in .platform/demo-tenant-key).",
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

        var command = new Command("estimate-load", "Load-test POST /estimate of a running valuation host: throughput and p50/p90/p99 latency.");
        foreach (var option in new Option[] { url, duration, warmup, concurrency, rowsPerRequest, rate, seed, apiKey, tenant, compareAuth })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var settings = new LoadBenchmarkSettings(
                TimeSpan.FromSeconds(result.GetValue(duration)),
                result.GetValue(concurrency),
                result.GetValue(rowsPerRequest),
                result.GetValue(rate),
                result.GetValue(seed),
                TimeSpan.FromSeconds(result.GetValue(warmup)));
            if (!Uri.TryCreate(result.GetValue(url), UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
            {
                await Console.Error.WriteLineAsync($"--url: '{result.GetValue(url)}' is not an absolute http(s) address.").ConfigureAwait(false);
                return 2;
            }

            if (settings.Duration <= TimeSpan.Zero || settings.Concurrency < 1 || settings.RowsPerRequest < 1 || settings.RequestsPerSecond < 0)
            {
                await Console.Error.WriteLineAsync("--duration, --concurrency and --rows-per-request must be positive; --rate must not be negative.").ConfigureAwait(false);
                return 2;
            }

            var key = result.GetValue(apiKey) ?? DemoTenantKeyService.Read(LocalDataFolder.Locate(Environment.CurrentDirectory));
            var withKey = key is null ? null : new Dictionary<string, string> { ["X-Api-Key"] = key };
            using var client = HttpLoadDriver.CreateClient(baseAddress, settings.Concurrency);
            var rounds = result.GetValue(compareAuth);
            if (rounds <= 0)
            {
                var outcome = await EstimateLoadBenchmark.RunAsync(client, settings, cancellationToken, withKey).ConfigureAwait(false);
                Console.WriteLine(outcome.Describe());
                if (outcome.FirstError is not null)
                {
                    await Console.Error.WriteLineAsync($"first error: {outcome.FirstError}").ConfigureAwait(false);
                }

                return outcome.Errors == 0 ? 0 : 1;
            }

            if (withKey is null)
            {
                await Console.Error.WriteLineAsync("--compare-auth needs a tenant key: --api-key, or the main job's .platform/demo-tenant-key.").ConfigureAwait(false);
                return 2;
            }

            var headerOnly = new Dictionary<string, string> { ["X-Tenant-Id"] = result.GetValue(tenant)! };
            var outcomes = new Dictionary<string, List<LoadBenchmarkResult>> { ["api key"] = [], ["header only"] = [] };
            for (var round = 0; round < rounds; round++)
            {
                // Alternating rounds spread the machine's drift over both variants instead of charging it to one.
                foreach (var (variant, credential) in new[] { ("api key", withKey), ("header only", headerOnly) })
                {
                    var outcome = await EstimateLoadBenchmark.RunAsync(client, settings, cancellationToken, credential).ConfigureAwait(false);
                    outcomes[variant].Add(outcome);
                    Console.WriteLine($"round {round + 1} {variant,-11}: {outcome.Describe()}");
                    if (outcome.FirstError is not null)
                    {
                        await Console.Error.WriteLineAsync($"first error ({variant}): {outcome.FirstError}").ConfigureAwait(false);
                        return 1;
                    }
                }
            }

            var keyed = outcomes["api key"].Average(o => o.RequestsPerSecond);
            var open = outcomes["header only"].Average(o => o.RequestsPerSecond);
            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"mean throughput: api key {keyed:F0} req/s, header only {open:F0} req/s, ratio {keyed / open:P1} "
                + $"(p99 {outcomes["api key"].Average(o => o.P99Milliseconds):F2} ms vs {outcomes["header only"].Average(o => o.P99Milliseconds):F2} ms)"));
            return 0;
        });
        return command;
    }
}
