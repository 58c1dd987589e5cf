using System.CommandLine;
using Platform.Lab;
using Platform.MarketData;
using Platform.PortfolioTwin.Api.Benchmarks;
using Platform.PortfolioTwin.Model.Cli;
using Platform.Valuation.Api.Benchmarks;
using Platform.Valuation.Model.Commands;

namespace Platform.Host;

/// <summary>The <c>platform</c> tool: the all-in-one host and the verbs that generate, import, train and benchmark.</summary>
public static class PlatformCommandLine
{
    public static RootCommand Create()
    {
        Func<CancellationToken, Task<string>> connectionString = _ => Task.FromResult(LocalDatabase.ConnectionString);

        return new RootCommand("Property intelligence platform: valuation, portfolio twin and training workflow in one process.")
        {
            ServeCommand.Create(),
            GenerateCommand.Create(connectionString),
            ImportCommand.Create(),
            new Command("train", "Train and evaluate models.")
            {
                TrainPriceCommand.Create(),
                CrossValidateCommand.Create(),
                TrainTwinCommand.Create(),
            },
            new Command("bench", "Benchmarks whose numbers docs/benchmarks.md records.")
            {
                BenchPriceCommand.Create(),
                LoadBenchmarkCommand.Create(connectionString),
                TwinBenchmarkCommand.Create(),
                EstimateLoadBenchmarkCommand.Create(),
                RecommendBenchmarkCommand.Create(),
                RecommendLoadBenchmarkCommand.Create(),
                ReindexBenchmarkCommand.Create(),
            },
            SmokeCommand.Create(),
            LabCommand.Create(() => File.Exists(LocalApiKey.DefaultPath) ? LocalApiKey.LoadOrCreate() : null),
        };
    }

    /// <summary>Verbs that work on the platform's PostgreSQL (the rest read and write files or call a running host).</summary>
    public static bool NeedsDatabase(IReadOnlyList<string> args) =>
        args.Count > 0 && args[0] switch
        {
            "serve" or "import" => true,
            "generate" => !args.Contains("--no-db") && !args.Contains("--connection-string"),
            "train" => args.Count > 1 && args[1] == "twin" && !args.Contains("--connection-string"),
            "bench" => args.Count > 1 && args[1] is "load" or "recommend" or "reindex" && !args.Contains("--connection-string"),
            _ => false,
        };
}
