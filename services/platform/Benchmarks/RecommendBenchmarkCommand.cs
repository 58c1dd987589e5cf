using System.CommandLine;

namespace Platform.Host.Benchmarks;

/// <summary><c>recommend</c>: p50/p99 of POST /recommend in process over a synthetic market (100k properties by default).</summary>
public static class RecommendBenchmarkCommand
{
    /// <param name="platformConnectionString">The platform's PostgreSQL, asked for only when --connection-string is not given.</param>
    public static Command Create(Func<CancellationToken, Task<string>> platformConnectionString)
    {
        var connectionString = new Option<string?>("--connection-string")
        {
            Description = "PostgreSQL connection string (default: the platform's: ConnectionStrings__Postgres, PLATFORM_POSTGRES or the local cluster). The tenant's data is replaced.",
        };
        var properties = new Option<int>("--properties") { Description = "Properties in the synthetic market.", DefaultValueFactory = _ => 100_000 };
        var users = new Option<int>("--users") { Description = "Users in the synthetic market.", DefaultValueFactory = _ => 200 };
        var requests = new Option<int>("--requests") { Description = "Measured requests (sequential).", DefaultValueFactory = _ => 2_000 };
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured requests first.", DefaultValueFactory = _ => 200 };
        var topK = new Option<int>("--top-k") { Description = "top_k of each request.", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seed of the market, the training run and the request stream.", DefaultValueFactory = _ => 42 };
        var tenant = new Option<string>("--tenant") { Description = "Tenant the market is loaded into (replaced).", DefaultValueFactory = _ => "bench-recommend" };
        var loadSeconds = new Option<double>("--load-seconds")
        {
            Description = "Then drive the host as recommend-load does for this many seconds per round, recent-signals cache off, on, off, on (0 = skip).",
            DefaultValueFactory = _ => 0,
        };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight in the load rounds.", DefaultValueFactory = _ => 32 };

        var command = new Command("recommend", "Benchmark POST /recommend (top-k with a type + price filter) in process over the embedded vector index.");
        foreach (var option in new Option[] { connectionString, properties, users, requests, warmup, topK, seed, tenant, loadSeconds, concurrency })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var connection = result.GetValue(connectionString) ?? await platformConnectionString(cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(connection))
            {
                await Console.Error.WriteLineAsync("No PostgreSQL: pass --connection-string or set PLATFORM_POSTGRES.").ConfigureAwait(false);
                return 2;
            }

            var settings = new RecommendBenchmarkSettings(connection, result.GetValue(properties), result.GetValue(users), Requests: result.GetValue(requests),
                Warmup: result.GetValue(warmup), TopK: result.GetValue(topK), Seed: result.GetValue(seed), TenantId: result.GetValue(tenant)!,
                LoadSeconds: result.GetValue(loadSeconds), Concurrency: result.GetValue(concurrency));
            if (settings.Properties < 100 || settings.Users < 2 || settings.Requests < 1 || settings.Warmup < 0 || settings.TopK < 1 || settings.LoadSeconds < 0 || settings.Concurrency < 1)
            {
                await Console.Error.WriteLineAsync("--properties must be at least 100, --users at least 2, --requests, --top-k and --concurrency positive, --warmup and --load-seconds not negative.").ConfigureAwait(false);
                return 2;
            }

            var outcome = await RecommendBenchmark.RunAsync(settings, Console.Out, cancellationToken).ConfigureAwait(false);
            Console.WriteLine(outcome.Describe());
            return 0;
        });
        return command;
    }
}
