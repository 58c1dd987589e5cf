using System.Security.Cryptography;
using Platform.Valuation.Model;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Evaluation;
using Platform.Valuation.Model.Reporting;
using Platform.Valuation.Model.Training;

namespace Platform.Valuation.Api.Tests;

/// <summary>
/// A small price model trained on 80 % of the Sacramento sales (seeded split), with its held-out metrics and a Markdown
/// quality report. Trained once per test run: every test class registers the same file.
/// </summary>
public sealed record TrainedPriceModel(byte[] ModelFile, IReadOnlyDictionary<string, double> Metrics, string ReportMarkdown, string DataHash)
{
    public static readonly Lazy<Task<TrainedPriceModel>> Shared = new(() => Task.Run(() => Train(seed: 42, iterations: 150)));

    /// <summary>Another, cruder model of the same data (other seed, few trees): what a second tenant trained, pricing differently.</summary>
    public static readonly Lazy<Task<TrainedPriceModel>> Other = new(() => Task.Run(() => Train(seed: 7, iterations: 20)));

    private static TrainedPriceModel Train(int seed, int iterations)
    {
        var schema = DatasetSchema.Load(SacramentoData.SchemaPath);
        var sales = SchemaCsvReader.Read(SacramentoData.CsvPath, schema).Rows.ToArray();
        new Random(42).Shuffle(sales);
        var testCount = sales.Length / 5;
        var test = sales[..testCount];
        var train = sales[testCount..];

        var model = PriceModelTrainer.Train(train, schema, new PriceTrainingOptions { Seed = seed, Iterations = iterations });
        var predicted = model.Predict(test).Select(e => e.Estimate).ToArray();
        var metrics = MetricsCalculator.Compute([.. test.Select(s => s.Price)], predicted);

        using var file = new MemoryStream();
        model.Save(file);
        var values = new Dictionary<string, double>
        {
            ["MdAPE"] = metrics.MdAPE,
            ["MAPE"] = metrics.MAPE,
            ["WAPE"] = metrics.WAPE,
            ["MAE"] = metrics.MAE,
            ["RMSE"] = metrics.RMSE,
            ["AE_p90"] = metrics.AE_p90,
            ["PPE10"] = metrics.PPE10,
            ["PPE20"] = metrics.PPE20,
            ["RMSLE"] = metrics.RMSLE,
            ["n_test"] = metrics.Count,
        };
        // The report as the training pipeline registers it: metrics, segments, ratio study, intervals, tuning and blend.
        var estimates = test.Select(model.PredictPrice).ToArray();
        var actual = test.Select(s => s.Price).ToArray();
        var segments = test.Select(s => s.Segment).ToArray();
        var intervals = IntervalStudyCalculator.Compute("adaptive", model.IntervalLevel, actual, predicted,
            [.. estimates.Select(e => e.Low)], [.. estimates.Select(e => e.High)], segments);
        var report = ReportWriter.Markdown(new PriceReport(MetricsCalculator.Summarise(actual, predicted, segments), train.Length, test.Length,
            model.IntervalLevel, intervals.Overall.Coverage, model.Trainer, 0, schema.ToJson(), model.FeatureImportance, intervals, model.Training), []);

        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(SacramentoData.CsvPath)));
        return new TrainedPriceModel(file.ToArray(), values, report, hash);
    }
}
