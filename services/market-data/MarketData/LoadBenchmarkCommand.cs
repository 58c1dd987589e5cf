using System.CommandLine;
using System.Diagnostics;
using Npgsql;
using Platform.MarketData.Postgres;
using Platform.MarketData.Synthetic;

namespace Platform.MarketData;

/// <summary>
/// <c>load</c>: measures bulk-load throughput the way <c>generate</c> loads interactions (binary COPY over parallel
/// connections, generated while streaming) into a throwaway tenant that is removed afterwards. Reports
/// generation-only and generate+COPY rows per second.
/// </summary>
public static class LoadBenchmarkCommand
{
    public static Command Create(Func<CancellationToken, Task<string>>? resolveConnectionString = null)
    {
        var users = new Option<int>("--users") { Description = "Users whose interactions are loaded (about 500 rows each).", DefaultValueFactory = _ => 2_000 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 7 };
        var connection = GenerateCommand.ConnectionStringOption();
        var command = new Command("load", "Benchmark: generate and bulk-load (binary COPY) the interactions of N users into PostgreSQL; prints rows/s.");
        command.Options.Add(users);
        command.Options.Add(seed);
        command.Options.Add(connection);
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var userCount = result.GetValue(users);
            if (userCount < 1)
            {
                Console.Error.WriteLine($"--users must be at least 1 (got {userCount}).");
                return 2;
            }

            var connectionString = await GenerateCommand.ResolveConnectionStringAsync(result.GetValue(connection), resolveConnectionString, cancellationToken);
            if (connectionString is null)
            {
                Console.Error.WriteLine($"No PostgreSQL connection: pass --connection-string or set {GenerateCommand.ConnectionStringVariable}.");
                return 2;
            }

            Console.WriteLine(await RunAsync(connectionString, userCount, result.GetValue(seed), cancellationToken));
            return 0;
        });
        return command;
    }

    public sealed record Measurement(long Rows, TimeSpan GenerateOnly, TimeSpan GenerateAndCopy)
    {
        public double GenerateRowsPerSecond => Rows / GenerateOnly.TotalSeconds;
        public double LoadRowsPerSecond => Rows / GenerateAndCopy.TotalSeconds;

        public override string ToString() =>
            $"load: {Rows:N0} interaction rows; generate only (1 thread) {GenerateOnly.TotalSeconds:F2} s ({GenerateRowsPerSecond:N0} rows/s); " +
            $"generate+COPY {GenerateAndCopy.TotalSeconds:F2} s ({LoadRowsPerSecond:N0} rows/s)";
    }

    public static async Task<Measurement> RunAsync(string connectionString, int users, int seed, CancellationToken cancellationToken = default)
    {
        await PlatformDatabase.MigrateAsOwnerAsync(connectionString, cancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var tenant = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var market = new SyntheticMarketGenerator(new SyntheticMarketOptions { TenantId = tenant, Seed = seed, Properties = 20_000, Users = users });

        var stopwatch = Stopwatch.StartNew();
        var generated = market.Interactions().LongCount();
        var generateOnly = stopwatch.Elapsed;

        await new TenantStore(dataSource).EnsureAsync(tenant, cancellationToken: cancellationToken);
        var loader = new BulkLoader(dataSource);
        try
        {
            stopwatch.Restart();
            var loaded = await PostgresMarketWriter.LoadInteractionsInParallelAsync(loader, market, cancellationToken);
            var elapsed = stopwatch.Elapsed;
            return loaded == generated ? new Measurement(loaded, generateOnly, elapsed)
                : throw new InvalidOperationException($"Loaded {loaded} rows but generated {generated}.");
        }
        finally
        {
            await loader.DeleteTenantDataAsync(tenant, CancellationToken.None);
            await using var scoped = await new TenantConnectionFactory(dataSource).OpenAsync(tenant, CancellationToken.None);
            await using var deleteTenant = new NpgsqlCommand("DELETE FROM tenants WHERE tenant_id = @t", scoped);
            deleteTenant.Parameters.AddWithValue("t", tenant);
            await deleteTenant.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
