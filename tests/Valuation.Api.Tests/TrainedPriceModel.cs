using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Platform.Valuation.Model;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Evaluation;
using Platform.Valuation.Model.Training;

namespace Platform.Valuation.Api.Tests;

/// <summary>
/// A small price model trained on 80 % of the Sacramento sales (seeded split), with its held-out metrics and a Markdown
/// quality report. Trained once per test run: every test class registers the same file.
/// </summary>
public sealed record TrainedPriceModel(byte[] ModelFile, IReadOnlyDictionary<string, double> Metrics, string ReportMarkdown, string DataHash)
{
    public static readonly Lazy<Task<TrainedPriceModel>> Shared = new(() => Task.Run(Train));

    private static TrainedPriceModel Train()
    {
        var schema = DatasetSchema.Load(SacramentoData.SchemaPath);
        var sales = SchemaCsvReader.Read(SacramentoData.CsvPath, schema).Rows.ToArray();
        new Random(42).Shuffle(sales);
        var testCount = sales.Length / 5;
        var test = sales[..testCount];
        var train = sales[testCount..];

        var model = PriceModelTrainer.Train(train, schema, new PriceTrainingOptions { Seed = 42, Iterations = 150 });
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
        var report = new StringBuilder("# Price model quality\n\n| metric | value |\n| --- | --- |\n");
        foreach (var (name, value) in values)
        {
            report.Append(CultureInfo.InvariantCulture, $"| {name} | {value:F2} |\n");
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(SacramentoData.CsvPath)));
        return new TrainedPriceModel(file.ToArray(), values, report.ToString(), hash);
    }
}
