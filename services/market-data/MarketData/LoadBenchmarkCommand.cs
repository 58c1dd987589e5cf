using System.CommandLine;
using System.Diagnostics;
using Npgsql;
using Platform.MarketData.Postgres;
using Platform.MarketData.Synthetic;

namespace Platform.MarketData;

/// <summary>
/// <c>load</c>: measures bulk-load throughput. Generates N synthetic interactions and COPYs them (binary) into a
/// throwaway tenant, reporting generation-only and generate→COPY rows per second; the tenant's rows are removed after.
/// </summary>
public static class LoadBenchmarkCommand
{
    public static Command Create(Func<CancellationToken, Task<string>>? resolveConnectionString = null)
    {
        var rows = new Option<int>("--rows") { Description = "Interaction rows to load.", DefaultValueFactory = _ => 1_000_000 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 7 };
        var connection = GenerateCommand.ConnectionStringOption();
        var command = new Command("load", "Benchmark: generate and bulk-load (binary COPY) N interaction rows into PostgreSQL; prints rows/s.");
        command.Options.Add(rows);
        command.Options.Add(seed);
        command.Options.Add(connection);
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var count = result.GetValue(rows);
            if (count < 1)
            {
                Console.Error.WriteLine($"--rows must be at least 1 (got {count}).");
                return 2;
            }

            var connectionString = await GenerateCommand.ResolveConnectionStringAsync(result.GetValue(connection), resolveConnectionString, cancellationToken);
            if (connectionString is null)
            {
                Console.Error.WriteLine($"No PostgreSQL connection: pass --connection-string or set {GenerateCommand.ConnectionStringVariable}.");
                return 2;
            }

            var measurement = await RunAsync(connectionString, count, result.GetValue(seed), cancellationToken);
            Console.WriteLine(measurement);
            return 0;
        });
        return command;
    }

    public sealed record Measurement(long Rows, TimeSpan GenerateOnly, TimeSpan GenerateAndCopy)
    {
        public double GenerateRowsPerSecond => Rows / GenerateOnly.TotalSeconds;
        public double LoadRowsPerSecond => Rows / GenerateAndCopy.TotalSeconds;

        public override string ToString() =>
            $"load: {Rows:N0} interaction rows; generate only {GenerateOnly.TotalSeconds:F2} s ({GenerateRowsPerSecond:N0} rows/s); " +
            $"generate+COPY {GenerateAndCopy.TotalSeconds:F2} s ({LoadRowsPerSecond:N0} rows/s)";
    }

    public static async Task<Measurement> RunAsync(string connectionString, int rows, int seed, CancellationToken cancellationToken = default)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new PlatformDatabase(dataSource).MigrateAsync(cancellationToken);
        var tenant = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var market = new SyntheticMarketGenerator(new SyntheticMarketOptions
        {
            TenantId = tenant,
            Seed = seed,
            Properties = 20_000,
            Users = Math.Max(1, rows / 500),
        });

        var stopwatch = Stopwatch.StartNew();
        var generated = market.Interactions().Take(rows).LongCount();
        var generateOnly = stopwatch.Elapsed;

        await new TenantStore(dataSource).EnsureAsync(tenant, cancellationToken: cancellationToken);
        var loader = new BulkLoader(dataSource);
        try
        {
            stopwatch.Restart();
            var loaded = await loader.LoadInteractionsAsync(tenant, market.Interactions().Take(rows), cancellationToken);
            return new Measurement(loaded, generateOnly * ((double)loaded / Math.Max(generated, 1)), stopwatch.Elapsed);
        }
        finally
        {
            await loader.DeleteTenantDataAsync(tenant, CancellationToken.None);
            await using var deleteTenant = dataSource.CreateCommand("DELETE FROM tenants WHERE tenant_id = @t");
            deleteTenant.Parameters.AddWithValue("t", tenant);
            await deleteTenant.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
