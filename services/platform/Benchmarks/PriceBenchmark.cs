using System.Diagnostics;
using Platform.Valuation.Model.Evaluation;
using Platform.Valuation.Model.Training;

namespace Platform.Host.Benchmarks;

/// <summary>A timing as wall clock and as process CPU time (the honest figure on a shared, oversubscribed machine).</summary>
public readonly record struct Timing(double Wall, double Cpu);

public sealed record PriceBenchmarkResult(
    int TrainRows, double HeldOutMdApe, Timing TrainSeconds, Timing SingleRowMicroseconds, Timing Batch1000Milliseconds, Timing BatchWithExplanationsMilliseconds);

/// <summary>Times training on N synthetic sales and in-process prediction (one row; a batch of 1,000).</summary>
public static class PriceBenchmark
{
    public static PriceBenchmarkResult Run(int rows, int seed, int threads = 1, IProgress<TrainingProgress>? progress = null, double? tuneSeconds = null)
    {
        var train = BenchmarkSales.Create(rows, seed);
        var query = BenchmarkSales.Create(1000, seed + 1);
        var model = Measure(() => PriceModelTrainer.Train(train, BenchmarkSales.Schema,
            new PriceTrainingOptions { Seed = seed, Threads = threads, TuneSeconds = tuneSeconds }, progress), out var trainTime);

        // Warm up JIT and thread-local buffers before timing.
        for (int i = 0; i < 2000; i++) model.PredictPrice(query[i % query.Count]);
        const int singles = 20_000;
        double sink = 0;
        Measure(() => { for (int i = 0; i < singles; i++) sink += model.PredictPrice(query[i % query.Count]).Estimate; return 0; }, out var single);

        var estimates = new double[query.Count];
        const int batches = 20;
        Measure(() => { for (int b = 0; b < batches; b++) model.PredictPrices(query, estimates); return 0; }, out var batch);
        var explained = Measure(() => model.Predict(query, topContributions: 5), out var explainedBatch);
        GC.KeepAlive(sink + explained.Length);
        var accuracy = MetricsCalculator.Compute([.. query.Select(q => q.Price)], estimates);
        return new PriceBenchmarkResult(rows, accuracy.MdAPE, trainTime,
            new Timing(single.Wall * 1e6 / singles, single.Cpu * 1e6 / singles),
            new Timing(batch.Wall * 1e3 / batches, batch.Cpu * 1e3 / batches),
            new Timing(explainedBatch.Wall * 1e3, explainedBatch.Cpu * 1e3));
    }

    private static T Measure<T>(Func<T> action, out Timing seconds)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var result = action();
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        seconds = new Timing(wall, (process.TotalProcessorTime - cpu).TotalSeconds);
        return result;
    }
}
