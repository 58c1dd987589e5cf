using System.CommandLine;

namespace Platform.Host.Benchmarks;

/// <summary><c>reindex</c>: a twin model deploy re-indexing every property while POST /recommend runs under load.</summary>
public static class ReindexBenchmarkCommand
{
    /// <param name="platformConnectionString">The platform's PostgreSQL, asked for only when --connection-string is not given.</param>
    public static Command Create(Func<CancellationToken, Task<string>> platformConnectionString)
    {
        var connectionString = new Option<string?>("--connection-string")
        {
            Description = "PostgreSQL connection string (default: the platform's: ConnectionStrings__Postgres, PLATFORM_POSTGRES or the local cluster). The tenant's data is replaced.",
        };
        var properties = new Option<int>("--properties") { Description = "Properties in the synthetic market (all re-indexed).", DefaultValueFactory = _ => 100_000 };
        var users = new Option<int>("--users") { Description = "Users in the synthetic market.", DefaultValueFactory = _ => 200 };
        var concurrency = new Option<int>("--concurrency") { Description = "Clients calling /recommend back to back.", DefaultValueFactory = _ => 4 };
        var settle = new Option<double>("--settle-seconds") { Description = "Load before the deploy and after the switch.", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the market and of v1's training (v2 uses seed + 1).", DefaultValueFactory = _ => 42 };
        var tenant = new Option<string>("--tenant") { Description = "Tenant the market is loaded into (replaced).", DefaultValueFactory = _ => "bench-reindex" };
        var qdrantUrl = new Option<string?>("--qdrant-url") { Description = "Run on Qdrant at this gRPC address (e.g. http://localhost:6334) instead of the embedded index." };
        var qdrantApiKey = new Option<string?>("--qdrant-api-key") { Description = "Qdrant's api-key, when it has one." };

        var command = new Command("reindex", "Benchmark a twin model deploy: the index rebuilt aside and switched while /recommend runs under load (errors, mixed answers, p99).");
        foreach (var option in new Option[] { connectionString, properties, users, concurrency, settle, seed, tenant, qdrantUrl, qdrantApiKey })
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

            var settings = new ReindexBenchmarkSettings(connection, result.GetValue(properties), result.GetValue(users), Concurrency: result.GetValue(concurrency),
                SettleSeconds: result.GetValue(settle), Seed: result.GetValue(seed), TenantId: result.GetValue(tenant)!,
                QdrantUrl: result.GetValue(qdrantUrl), QdrantApiKey: result.GetValue(qdrantApiKey));
            if (settings.Properties < 100 || settings.Users < 2 || settings.Concurrency < 1 || settings.SettleSeconds < 0)
            {
                await Console.Error.WriteLineAsync("--properties must be at least 100, --users at least 2, --concurrency positive, --settle-seconds not negative.").ConfigureAwait(false);
                return 2;
            }

            var outcome = await ReindexBenchmark.RunAsync(settings, Console.Out, cancellationToken).ConfigureAwait(false);
            Console.WriteLine(outcome.Describe());
            return outcome.Errors == 0 && outcome.Mixed == 0 ? 0 : 1;
        });
        return command;
    }
}
