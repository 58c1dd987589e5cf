using System.CommandLine;
using System.Globalization;
using Platform.Valuation.Model.Benchmarks;

namespace Platform.Valuation.Model.Commands;

/// <summary><c>platform bench price</c>: training time on N synthetic sales and in-process prediction latency.</summary>
public static class BenchPriceCommand
{
    public static Command Create()
    {
        var rows = new Option<int>("--rows") { Description = "Synthetic training sales", DefaultValueFactory = _ => 100_000 };
        var seed = PriceCommandOptions.Seed();
        var command = new Command("price", "Benchmark price model training and prediction");
        command.Options.Add(rows);
        command.Options.Add(seed);
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var result = PriceBenchmark.Run(r.GetValue(rows), r.GetValue(seed), new TrainingProgressConsole(r.InvocationConfiguration.Error));
            var output = r.InvocationConfiguration.Output;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"train {result.TrainRows:N0} rows: {result.TrainSeconds:F1} s (target < 30 s)"));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"predict 1 row: {result.SingleRowMicroseconds:F1} µs (target < 50 µs)"));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"predict 1,000 rows: {result.Batch1000Milliseconds:F2} ms (target < 10 ms); with top-5 explanations: {result.BatchWithExplanationsMilliseconds:F2} ms"));
            return 0;
        });
        return command;
    }
}
