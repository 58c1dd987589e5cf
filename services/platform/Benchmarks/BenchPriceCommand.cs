using System.CommandLine;
using System.Globalization;
using Platform.Host.Commands;

namespace Platform.Host.Benchmarks;

/// <summary><c>platform bench price</c>: training time on N synthetic sales and in-process prediction latency.</summary>
public static class BenchPriceCommand
{
    public static Command Create()
    {
        var rows = new Option<int>("--rows") { Description = "Synthetic training sales", DefaultValueFactory = _ => 100_000 };
        var seed = PriceCommandOptions.Seed();
        var threads = new Option<int>("--threads") { Description = "Tree-learning threads", DefaultValueFactory = _ => 1 };
        var tune = new Option<double?>("--tune-seconds") { Description = "Hyperparameter search budget inside training (default: no search)" };
        var command = new Command("price", "Benchmark price model training and prediction");
        command.Options.Add(tune);
        command.Options.Add(rows);
        command.Options.Add(seed);
        command.Options.Add(threads);
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var result = PriceBenchmark.Run(r.GetValue(rows), r.GetValue(seed), r.GetValue(threads), new TrainingProgressConsole(r.InvocationConfiguration.Error), r.GetValue(tune));
            var output = r.InvocationConfiguration.Output;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"train {result.TrainRows:N0} rows: {result.TrainSeconds.Wall:F1} s wall, {result.TrainSeconds.Cpu:F1} s CPU (target < 30 s without search, < 60 s with a 30 s search); held-out MdAPE {result.HeldOutMdApe:F2} %"));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"predict 1 row: {result.SingleRowMicroseconds.Wall:F1} µs wall, {result.SingleRowMicroseconds.Cpu:F1} µs CPU (target < 50 µs)"));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"predict 1,000 rows: {result.Batch1000Milliseconds.Wall:F2} ms wall, {result.Batch1000Milliseconds.Cpu:F2} ms CPU (target < 10 ms)"));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"predict 1,000 rows with top-5 explanations: {result.BatchWithExplanationsMilliseconds.Wall:F2} ms wall, {result.BatchWithExplanationsMilliseconds.Cpu:F2} ms CPU"));
            return 0;
        });
        return command;
    }
}
