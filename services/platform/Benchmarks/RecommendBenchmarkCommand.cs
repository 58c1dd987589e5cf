using System.CommandLine;

namespace Platform.Host.Benchmarks;

/// <summary><c>recommend</c>: p50/p99 of POST /recommend in process over a synthetic market (100k properties by default).</summary>
public static class RecommendBenchmarkCommand
{
    /// <param name="platformConnectionString">The platform's PostgreSQL, asked for only when --connection-string is not given.</param>
    public static Command Create(Func<CancellationToken, Task<string>> platformConnectionString)
    {
        var market = new BenchmarkMarketOptions("Properties in the synthetic market.", "Seed of the market, the training run and the request stream.", "bench-recommend");
        var requests = new Option<int>("--requests") { Description = "Measured requests (sequential).", DefaultValueFactory = _ => 2_000 };
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured requests first.", DefaultValueFactory = _ => 200 };
        var topK = new Option<int>("--top-k") { Description = "top_k of each request.", DefaultValueFactory = _ => 10 };
        var loadSeconds = new Option<double>("--load-seconds")
        {
            Description = "Then drive the host as recommend-load does for this many seconds per round, recent-signals cache off, on, off, on (0 = skip).",
            DefaultValueFactory = _ => 0,
        };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight in the load rounds.", DefaultValueFactory = _ => 32 };

        var command = new Command("recommend", "Benchmark POST /recommend (top-k with a type + price filter) in process over the embedded vector index.");
        foreach (var option in new Option[] { market.ConnectionString, market.Properties, market.Users, requests, warmup, topK, market.Seed, market.Tenant, loadSeconds, concurrency })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            if (await market.ReadAsync(result, "twin-bench", platformConnectionString, cancellationToken).ConfigureAwait(false) is not { } loaded)
            {
                return 2;
            }

            var settings = new RecommendBenchmarkSettings(loaded, Requests: result.GetValue(requests), Warmup: result.GetValue(warmup), TopK: result.GetValue(topK),
                LoadSeconds: result.GetValue(loadSeconds), Concurrency: result.GetValue(concurrency));
            if (settings.Requests < 1 || settings.Warmup < 0 || settings.TopK < 1 || settings.LoadSeconds < 0 || settings.Concurrency < 1)
            {
                await Console.Error.WriteLineAsync("--requests, --top-k and --concurrency must be positive, --warmup and --load-seconds not negative.").ConfigureAwait(false);
                return 2;
            }

            var outcome = await RecommendBenchmark.RunAsync(settings, Console.Out, cancellationToken).ConfigureAwait(false);
            Console.WriteLine(outcome.Describe());
            return 0;
        });
        return command;
    }
}
