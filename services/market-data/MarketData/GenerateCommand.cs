using System.CommandLine;
using System.Diagnostics;
using Npgsql;
using Platform.MarketData.Postgres;
using Platform.MarketData.Synthetic;

namespace Platform.MarketData;

/// <summary>
/// <c>generate</c>: builds a synthetic market and writes it to PostgreSQL (migrating the schema first) and/or CSV.
/// The connection string comes from --connection-string, else PLATFORM_POSTGRES, else the host's resolver
/// (the platform host starts its local cluster there).
/// </summary>
public static class GenerateCommand
{
    public const string ConnectionStringVariable = "PLATFORM_POSTGRES";

    public static Command Create(Func<CancellationToken, Task<string>>? resolveConnectionString = null)
    {
        var properties = new Option<int>("--properties") { Description = "Number of properties (listings).", DefaultValueFactory = _ => 10_000 };
        var users = new Option<int>("--users") { Description = "Number of users (investors).", DefaultValueFactory = _ => 500 };
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed gives the same data.", DefaultValueFactory = _ => 7 };
        var tenant = new Option<string>("--tenant") { Description = "Tenant id to generate for.", DefaultValueFactory = _ => "demo" };
        var interactionsPerUser = new Option<int>("--interactions-per-user") { Description = "Average interactions per user.", DefaultValueFactory = _ => 500 };
        var csv = new Option<DirectoryInfo?>("--csv") { Description = "Also write CSV files and ground truth to this folder." };
        var noDb = new Option<bool>("--no-db") { Description = "Do not load PostgreSQL (CSV only)." };
        var replace = new Option<bool>("--replace") { Description = "Delete the tenant's existing data before loading." };
        var connection = ConnectionStringOption();

        var command = new Command("generate", "Generate a deterministic synthetic property market into PostgreSQL and/or CSV.");
        foreach (var option in new Option[] { properties, users, seed, tenant, interactionsPerUser, csv, noDb, replace, connection })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var options = new SyntheticMarketOptions
            {
                Properties = result.GetValue(properties),
                Users = result.GetValue(users),
                Seed = result.GetValue(seed),
                TenantId = result.GetValue(tenant)!,
                InteractionsPerUser = result.GetValue(interactionsPerUser),
            };
            var csvDirectory = result.GetValue(csv);
            if (result.GetValue(noDb) && csvDirectory is null)
            {
                Console.Error.WriteLine("--no-db needs --csv DIR: otherwise nothing would be written.");
                return 2;
            }

            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 2;
            }

            var stopwatch = Stopwatch.StartNew();
            var market = new SyntheticMarketGenerator(options);
            Console.WriteLine($"generated {market.Properties.Count:N0} properties, {market.Sales.Count:N0} sales, {market.Users.Count:N0} users " +
                $"in {stopwatch.Elapsed.TotalSeconds:F1} s (seed {options.Seed}, tenant '{options.TenantId}'); noise-floor MdAPE {market.NoiseFloorMdape():P2}");

            if (csvDirectory is not null)
            {
                stopwatch.Restart();
                var written = await CsvMarketWriter.WriteAsync(market, csvDirectory.FullName, cancellationToken);
                Console.WriteLine($"csv: {written.TotalRows:N0} rows to {csvDirectory.FullName} in {stopwatch.Elapsed.TotalSeconds:F1} s " +
                    $"({written.TotalRows / stopwatch.Elapsed.TotalSeconds:N0} rows/s)");
            }

            if (!result.GetValue(noDb))
            {
                var connectionString = await ResolveConnectionStringAsync(result.GetValue(connection), resolveConnectionString, cancellationToken);
                if (connectionString is null)
                {
                    Console.Error.WriteLine($"No PostgreSQL connection: pass --connection-string or set {ConnectionStringVariable} (or use --no-db with --csv).");
                    return 2;
                }

                await PlatformDatabase.MigrateAsOwnerAsync(connectionString, cancellationToken);
                await using var dataSource = NpgsqlDataSource.Create(connectionString);
                try
                {
                    var load = await new PostgresMarketWriter(dataSource).WriteAsync(market, result.GetValue(replace),
                        new ConsoleProgress(), cancellationToken);
                    Console.WriteLine($"postgres: {load.TotalRows:N0} rows in {load.Elapsed.TotalSeconds:F1} s ({load.RowsPerSecond:N0} rows/s, binary COPY; " +
                        $"interactions generated while streaming)");
                }
                catch (InvalidOperationException ex) when (ex.Message.Contains("--replace", StringComparison.Ordinal))
                {
                    Console.Error.WriteLine(ex.Message);
                    return 1;
                }
            }

            return 0;
        });
        return command;
    }

    internal static Option<string?> ConnectionStringOption() => new("--connection-string")
    {
        Description = $"Npgsql connection string (default: ${ConnectionStringVariable}).",
    };

    internal static async Task<string?> ResolveConnectionStringAsync(string? explicitValue,
        Func<CancellationToken, Task<string>>? resolver, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(explicitValue)) return explicitValue;
        var fromEnvironment = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return fromEnvironment;
        return resolver is null ? null : await resolver(cancellationToken);
    }
}

/// <summary>Prints progress lines in order, on the reporting thread (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class ConsoleProgress : IProgress<string>
{
    public void Report(string value) => Console.WriteLine("  " + value);
}
