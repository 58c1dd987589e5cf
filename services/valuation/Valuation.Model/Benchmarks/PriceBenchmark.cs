using System.Diagnostics;
using Platform.Valuation.Model.Training;

namespace Platform.Valuation.Model.Benchmarks;

public sealed record PriceBenchmarkResult(
    int TrainRows, double TrainSeconds, double SingleRowMicroseconds, double Batch1000Milliseconds, double BatchWithExplanationsMilliseconds);

/// <summary>Times training on N synthetic sales and in-process prediction (one row; a batch of 1,000).</summary>
public static class PriceBenchmark
{
    public static PriceBenchmarkResult Run(int rows, int seed, IProgress<TrainingProgress>? progress = null)
    {
        var train = BenchmarkSales.Create(rows, seed);
        var query = BenchmarkSales.Create(1000, seed + 1);
        var clock = Stopwatch.StartNew();
        var model = PriceModelTrainer.Train(train, BenchmarkSales.Schema, new PriceTrainingOptions { Seed = seed }, progress);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        // Warm up JIT and thread-local buffers before timing.
        for (int i = 0; i < 2000; i++) model.PredictPrice(query[i % query.Count]);
        const int singles = 20_000;
        double sink = 0;
        clock.Restart();
        for (int i = 0; i < singles; i++) sink += model.PredictPrice(query[i % query.Count]).Estimate;
        double single = clock.Elapsed.TotalMicroseconds / singles;

        var estimates = new double[query.Count];
        const int batches = 20;
        clock.Restart();
        for (int b = 0; b < batches; b++) model.PredictPrices(query, estimates);
        double batch = clock.Elapsed.TotalMilliseconds / batches;

        clock.Restart();
        var explained = model.Predict(query, topContributions: 5);
        double explainedBatch = clock.Elapsed.TotalMilliseconds;
        GC.KeepAlive(sink + explained.Length);
        return new PriceBenchmarkResult(rows, trainSeconds, single, batch, explainedBatch);
    }
}
