using System.CommandLine;

namespace Platform.Host.Benchmarks;

/// <summary><c>estimate-load</c>: drives a running valuation host over HTTP and prints throughput and latency percentiles.</summary>
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

        var tenant = new Option<string>("--tenant")
        {
            Description = "Tenant whose champion is load-tested (X-Tenant-Id).",
            DefaultValueFactory = _ => "demo",
        };

        var command = new Command("estimate-load", "Load-test POST /estimate of a running valuation host: throughput and p50/p90/p99 latency.");
        foreach (var option in new Option[] { url, duration, warmup, concurrency, rowsPerRequest, rate, seed, tenant })
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

            using var client = HttpLoadDriver.CreateClient(baseAddress, settings.Concurrency);
            client.DefaultRequestHeaders.Add("X-Tenant-Id", result.GetValue(tenant));
            var outcome = await EstimateLoadBenchmark.RunAsync(client, settings, cancellationToken).ConfigureAwait(false);
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
