using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Platform.Host.Benchmarks;
using Platform.Valuation.Model;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Training;

namespace Platform.Benchmarks;

/// <summary>
/// Price model training at the spec's size: 100k synthetic sales, including a 30 s hyperparameter search. One cold run
/// per iteration (the search budget is wall clock, so repeated runs cost the same); BenchmarkDotNet reports the mean.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 2)]
[MemoryDiagnoser]
public class PriceTrainingBenchmarks
{
    private List<SaleRecord> _sales = null!;

    [GlobalSetup]
    public void Setup() => _sales = BenchmarkSales.Create(100_000, 42);

    [Benchmark(Description = "train 100k sales, 30 s search")]
    public PriceModel Train() => PriceModelTrainer.Train(_sales, BenchmarkSales.Schema, PriceModelBenchmarkModel.Options);
}

/// <summary>In-process prediction with the model the training benchmark keeps: one row, and a batch of 1,000 rows.</summary>
[MemoryDiagnoser]
public class PricePredictionBenchmarks
{
    private PriceModel _model = null!;
    private List<SaleRecord> _query = null!;
    private double[] _estimates = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _model = PriceModelBenchmarkModel.LoadOrTrain();
        _query = BenchmarkSales.Create(1000, 43);
        _estimates = new double[_query.Count];
    }

    [Benchmark(Description = "predict 1 row (estimate + interval)")]
    public (double, double, double) PredictOne() => _model.PredictPrice(_query[_next++ % _query.Count]);

    [Benchmark(Description = "predict 1,000 rows")]
    public double[] PredictBatch()
    {
        _model.PredictPrices(_query, _estimates);
        return _estimates;
    }

    [Benchmark(Description = "predict 1 row with top-5 contributions")]
    public Valuation.Model.Prediction.PriceEstimate PredictExplained() => _model.Predict(_query[_next++ % _query.Count], 5);
}

/// <summary>
/// Prediction with a small market's model, the demo market's size (2,300 sales, default options): the blend of LightGBM,
/// FastTree and ridge that serves <c>/estimate</c> there, thousands of trees of a few leaves each.
/// </summary>
[MemoryDiagnoser]
public class SmallMarketPredictionBenchmarks
{
    private PriceModel _model = null!;
    private List<SaleRecord> _query = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _model = PriceModelBenchmarkModel.LoadOrTrain("small-2300-seed42", 2_300, PriceModelBenchmarkModel.SmallMarketOptions);
        _query = BenchmarkSales.Create(1000, 43);
    }

    [Benchmark(Description = "small market: predict 1 row (estimate + interval)")]
    public (double, double, double) PredictOne() => _model.PredictPrice(_query[_next++ % _query.Count]);

    [Benchmark(Description = "small market: predict 1 row with top-5 contributions")]
    public Valuation.Model.Prediction.PriceEstimate PredictExplained() => _model.Predict(_query[_next++ % _query.Count], 5);
}

/// <summary>The benchmark models, each trained once and cached in the temp folder so each benchmark process need not retrain it.</summary>
internal static class PriceModelBenchmarkModel
{
    public static readonly PriceTrainingOptions Options = new() { Seed = 42, TuneSeconds = 30 };
    public static readonly PriceTrainingOptions SmallMarketOptions = new() { Seed = 42 };

    public static PriceModel LoadOrTrain() => LoadOrTrain("100k-tune30-seed42", 100_000, Options);

    public static PriceModel LoadOrTrain(string name, int sales, PriceTrainingOptions options)
    {
        // Keyed by the model library's build, so a changed trainer never benchmarks a stale model.
        var build = typeof(PriceModel).Assembly.ManifestModule.ModuleVersionId;
        var path = Path.Combine(Path.GetTempPath(), $"platform-bench-price-{name}-{build:N}.zip");
        if (File.Exists(path))
        {
            using var cached = File.OpenRead(path);
            return PriceModel.Load(cached);
        }
        var model = PriceModelTrainer.Train(BenchmarkSales.Create(sales, 42), BenchmarkSales.Schema, options);
        using (var file = File.Create(path)) model.Save(file);
        return model;
    }
}
