using System.CommandLine;
using Platform.Host.Benchmarks;
using Platform.Host.Commands;
using Platform.Lab;
using Platform.MarketData;

namespace Platform.Host;

/// <summary>The <c>platform</c> tool: the all-in-one host and the verbs that generate, import, train and benchmark.</summary>
public static class PlatformCommandLine
{
    /// <summary>The tool as started from a shell: configuration from the environment, data under the repository's <c>.platform/</c>.</summary>
    public static RootCommand Create() =>
        Create(new ConfigurationBuilder().AddEnvironmentVariables().Build(), LocalDataFolder.Locate(Environment.CurrentDirectory));

    /// <param name="configuration">Where the connection string (<c>ConnectionStrings:Postgres</c>) and the local cluster's path are read.</param>
    /// <param name="dataFolder">The local data folder (<see cref="LocalDataFolder"/>).</param>
    public static RootCommand Create(IConfiguration configuration, string dataFolder)
    {
        // Only a verb about to use PostgreSQL asks for it, so `generate --no-db` or `train price` never start a cluster.
        var database = new LocalDatabase(configuration, dataFolder, Console.Out);
        Func<CancellationToken, Task<string>> connectionString = database.ConnectionStringAsync;
        var apiKeyFile = Path.Combine(dataFolder, LocalApiKey.FileName);

        return new RootCommand("Property intelligence platform: valuation, portfolio twin and training workflow in one process.")
        {
            ServeCommand.Create(dataFolder),
            GenerateCommand.Create(connectionString),
            ImportCommand.Create(connectionString, dataFolder),
            new Command("train", "Train and evaluate models.")
            {
                TrainPriceCommand.Create(),
                CrossValidateCommand.Create(),
                TrainTwinCommand.Create(connectionString),
            },
            new Command("bench", "Benchmarks whose numbers docs/benchmarks.md records.")
            {
                BenchPriceCommand.Create(),
                LoadBenchmarkCommand.Create(connectionString),
                TwinBenchmarkCommand.Create(),
                EstimateLoadBenchmarkCommand.Create(),
                RecommendBenchmarkCommand.Create(connectionString),
                RecommendLoadBenchmarkCommand.Create(),
                RecommendHistoryBenchmarkCommand.Create(),
                ReindexBenchmarkCommand.Create(connectionString),
                Benchmarks.Fuzz.FuzzBenchmarkCommand.Create(),
            },
            MigrateCommand.Create(configuration, connectionString),
            KeysCommand.Create(connectionString),
            SmokeCommand.Create(dataFolder),
            AuditCommand.Create(connectionString, Console.Out, Console.Error),
            LabCommand.Create(
                () => File.Exists(apiKeyFile) ? LocalApiKey.LoadOrCreate(apiKeyFile) : null,
                // The demo key is the demo tenant's only (Platform:Demo:TenantId, "demo" unless configured otherwise).
                tenant => tenant == (configuration["Platform:Demo:TenantId"] ?? "demo") ? DemoTenantKeyService.Read(dataFolder) : null),
        };
    }

    /// <summary>Runs the tool; a verb that needs PostgreSQL when none can be had exits 2 with the reason.</summary>
    public static async Task<int> InvokeAsync(RootCommand command, string[] args)
    {
        try
        {
            return await command.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (LocalDatabaseUnavailableException unavailable)
        {
            await Console.Error.WriteLineAsync($"error: {unavailable.Message}");
            return 2;
        }
    }
}
