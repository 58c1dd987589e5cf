using System.CommandLine;

namespace Platform.Host.Benchmarks;

/// <summary><c>reindex</c>: a twin model deploy re-indexing every property while POST /recommend runs under load.</summary>
public static class ReindexBenchmarkCommand
{
    /// <param name="platformConnectionString">The platform's PostgreSQL, asked for only when --connection-string is not given.</param>
    public static Command Create(Func<CancellationToken, Task<string>> platformConnectionString)
    {
        var market = new BenchmarkMarketOptions("Properties in the synthetic market (all re-indexed).", "Seed of the market and of v1's training (v2 uses seed + 1).", "bench-reindex");
        var concurrency = new Option<int>("--concurrency") { Description = "Clients calling /recommend back to back.", DefaultValueFactory = _ => 4 };
        var settle = new Option<double>("--settle-seconds") { Description = "Load before the deploy and after the switch.", DefaultValueFactory = _ => 3 };
        var qdrantUrl = new Option<string?>("--qdrant-url") { Description = "Run on Qdrant at this gRPC address (e.g. http://localhost:6334) instead of the embedded index." };
        var qdrantApiKey = new Option<string?>("--qdrant-api-key") { Description = "Qdrant's api-key, when it has one." };

        var command = new Command("reindex", "Benchmark a twin model deploy: the index rebuilt aside and switched while /recommend runs under load (errors, mixed answers, p99).");
        foreach (var option in new Option[] { market.ConnectionString, market.Properties, market.Users, concurrency, settle, market.Seed, market.Tenant, qdrantUrl, qdrantApiKey })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            if (await market.ReadAsync(result, "twin-reindex", platformConnectionString, cancellationToken).ConfigureAwait(false) is not { } loaded)
            {
                return 2;
            }

            var settings = new ReindexBenchmarkSettings(loaded, Concurrency: result.GetValue(concurrency), SettleSeconds: result.GetValue(settle),
                QdrantUrl: result.GetValue(qdrantUrl), QdrantApiKey: result.GetValue(qdrantApiKey));
            if (settings.Concurrency < 1 || settings.SettleSeconds < 0)
            {
                await Console.Error.WriteLineAsync("--concurrency must be positive, --settle-seconds not negative.").ConfigureAwait(false);
                return 2;
            }

            var outcome = await ReindexBenchmark.RunAsync(settings, Console.Out, cancellationToken).ConfigureAwait(false);
            Console.WriteLine(outcome.Describe());
            return outcome.Errors == 0 && outcome.Mixed == 0 ? 0 : 1;
        });
        return command;
    }
}
