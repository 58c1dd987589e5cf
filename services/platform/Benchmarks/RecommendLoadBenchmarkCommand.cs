using System.CommandLine;

namespace Platform.Host.Benchmarks;

/// <summary><c>recommend-load</c>: drives POST /recommend of a running twin host over HTTP; prints throughput and latency percentiles.</summary>
public static class RecommendLoadBenchmarkCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url")
        {
            Description = "Base address of the host serving the twin API.",
            DefaultValueFactory = _ => "http://127.0.0.1:5080/",
        };
        var tenant = new Option<string>("--tenant") { Description = "Tenant whose users are recommended for.", DefaultValueFactory = _ => "demo" };
        var duration = new Option<double>("--duration") { Description = "Seconds to measure (after --warmup).", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of unmeasured load first.", DefaultValueFactory = _ => 2 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests kept in flight (one connection each).", DefaultValueFactory = _ => 32 };
        var rate = new Option<double>("--rate") { Description = "Target requests per second (0 = as fast as possible).", DefaultValueFactory = _ => 0 };
        var topK = new Option<int>("--top-k") { Description = "top_k of each request.", DefaultValueFactory = _ => 10 };
        var filtered = new Option<bool>("--filtered") { Description = "Add a property type + max price filter to every request." };
        var seed = new Option<int>("--seed") { Description = "Seed of the user order.", DefaultValueFactory = _ => 42 };
        var apiKey = new Option<string?>("--api-key") { Description = "The tenant's API key (default: the main job's demo key in .platform/demo-tenant-key)." };

        var command = new Command("recommend-load", "Load-test POST /recommend of a running host for the tenant's known users: throughput and p50/p90/p99 latency.");
        foreach (var option in new Option[] { url, tenant, duration, warmup, concurrency, rate, topK, filtered, seed, apiKey })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var load = new HttpLoadSettings(
                TimeSpan.FromSeconds(result.GetValue(duration)),
                result.GetValue(concurrency),
                result.GetValue(rate),
                TimeSpan.FromSeconds(result.GetValue(warmup)));
            if (!Uri.TryCreate(result.GetValue(url), UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
            {
                await Console.Error.WriteLineAsync($"--url: '{result.GetValue(url)}' is not an absolute http(s) address.").ConfigureAwait(false);
                return 2;
            }

            if (load.Duration <= TimeSpan.Zero || load.Concurrency < 1 || load.RequestsPerSecond < 0 || result.GetValue(topK) < 1)
            {
                await Console.Error.WriteLineAsync("--duration, --concurrency and --top-k must be positive; --rate must not be negative.").ConfigureAwait(false);
                return 2;
            }

            var recommend = new RecommendLoadSettings(result.GetValue(tenant)!, result.GetValue(topK), result.GetValue(filtered), result.GetValue(seed));
            using var client = HttpLoadDriver.CreateClient(baseAddress, load.Concurrency);
            if ((result.GetValue(apiKey) ?? DemoTenantKeyService.Read(LocalDataFolder.Locate(Environment.CurrentDirectory))) is { } key)
            {
                client.DefaultRequestHeaders.Add("X-Api-Key", key);
            }

            var outcome = await RecommendLoadBenchmark.RunAsync(client, recommend, load, cancellationToken).ConfigureAwait(false);
            Console.WriteLine(outcome.Describe());
            if (outcome.FirstError is not null)
            {
                await Console.Error.WriteLineAsync($"first error: {outcome.FirstError}").ConfigureAwait(false);
            }

            return outcome.Errors == 0 ? 0 : 1;
        });
        return command;
    }
}
