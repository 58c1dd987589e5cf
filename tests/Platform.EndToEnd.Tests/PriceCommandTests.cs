using System.Text.Json;
using Platform.Host.Benchmarks;
using Platform.Host.Commands;

namespace Platform.EndToEnd.Tests;

public sealed class CommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("valuation-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Error)> Run(System.CommandLine.Command command, params string[] args)
    {
        var error = new StringWriter();
        var parse = command.Parse(args);
        int code = await parse.InvokeAsync(new System.CommandLine.InvocationConfiguration { Error = error, Output = new StringWriter() });
        return (code, error.ToString());
    }

    [Fact]
    public async Task Train_price_writes_the_report_contract_model_markdown_and_plots()
    {
        var report = Path.Combine(_dir, "report.json");
        var (code, error) = await Run(TrainPriceCommand.Create(),
            "--data", RepositoryFiles.SharedDataset("windsor_houseprices.csv"),
            "--schema", RepositoryFiles.SchemaFile("windsor_houseprices.schema.json"),
            "--test-fraction", "0.2", "--seed", "5", "--report", report, "--out", Path.Combine(_dir, "out"),
            "--tune-seconds", "20", "--tune-trials", "2");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        // The original contract's keys come first, unchanged and in order; the sections added later follow.
        Assert.Equal(
            ["MdAPE", "MAPE", "WAPE", "MAE", "RMSE", "AE_p90", "PPE10", "PPE20", "RMSLE", "n_train", "n_test",
             "interval_level", "interval_coverage", "trainer", "train_seconds", "segments",
             "ratio_study", "intervals", "tuning", "ensemble"],
            json.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        var ratios = json.RootElement.GetProperty("ratio_study");
        foreach (var key in new[] { "median_ratio", "COD", "PRD", "PRB", "flags" }) Assert.True(ratios.GetProperty("overall").TryGetProperty(key, out _), key);
        Assert.NotEmpty(ratios.GetProperty("segments").EnumerateArray());
        var intervals = json.RootElement.GetProperty("intervals");
        Assert.Equal("adaptive", intervals.GetProperty("method").GetString());
        Assert.True(intervals.GetProperty("overall").GetProperty("mean_relative_width").GetDouble() > 0);
        Assert.True(intervals.TryGetProperty("flat_at_equal_coverage", out _));
        Assert.NotEmpty(intervals.GetProperty("segments").EnumerateArray());
        var tuning = json.RootElement.GetProperty("tuning");
        Assert.Equal(2, tuning.GetProperty("trials").GetArrayLength());
        Assert.True(tuning.GetProperty("chosen").GetProperty("leaves").GetDouble() >= 2);
        var members = json.RootElement.GetProperty("ensemble").GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(["LightGbm", "FastTree", "Ridge"], members.Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(1, members.Sum(m => m.GetProperty("weight").GetDouble()), 6);
        var markdown = File.ReadAllText(Path.Combine(_dir, "out", "report.md"));
        foreach (var heading in new[] { "## Ratio study (IAAO)", "## Prediction intervals", "## Tuning and blend" }) Assert.Contains(heading, markdown);
        Assert.Equal(109, json.RootElement.GetProperty("n_test").GetInt32());
        Assert.InRange(json.RootElement.GetProperty("MdAPE").GetDouble(), 5, 25);
        var segment = json.RootElement.GetProperty("segments")[0];
        foreach (var key in new[] { "segment", "n", "MdAPE", "WAPE", "AE_p90", "status" }) Assert.True(segment.TryGetProperty(key, out _), key);
        Assert.Contains("phase", error.Replace("final: fit", "phase")); // progress lines went to stderr
        foreach (var file in new[] { "model.zip", "report.md", "predicted_vs_actual.png", "residuals_vs_predicted.png", "residual_distribution.png", "feature_importance.png" })
            Assert.True(File.Exists(Path.Combine(_dir, "out", file)), file);
    }

    [Fact]
    public async Task Unknown_schema_column_exits_non_zero_naming_file_and_column()
    {
        var schema = Path.Combine(_dir, "bad.schema.json");
        File.WriteAllText(schema, """{ "target": "price", "numeric": ["floor_area"] }""");
        var data = RepositoryFiles.SharedDataset("windsor_houseprices.csv");
        var (code, error) = await Run(TrainPriceCommand.Create(), "--data", data, "--schema", schema, "--report", Path.Combine(_dir, "r.json"));
        Assert.NotEqual(0, code);
        Assert.Contains("windsor_houseprices.csv", error);
        Assert.Contains("'floor_area'", error);
    }

    [Fact]
    public async Task Non_numeric_target_exits_non_zero_naming_line_and_column()
    {
        var csv = Path.Combine(_dir, "sales.csv");
        File.WriteAllLines(csv, ["\"price\",\"lotsize\"", "100000,5000", "\"cheap\",4000", "120000,6000"]);
        var schema = Path.Combine(_dir, "s.json");
        File.WriteAllText(schema, """{ "target": "price", "numeric": ["lotsize"] }""");
        var (code, error) = await Run(TrainPriceCommand.Create(), "--train", csv, "--test", csv, "--schema", schema, "--report", Path.Combine(_dir, "r.json"));
        Assert.Equal(2, code);
        Assert.Contains("sales.csv: line 3, column 'price'", error);
    }

    [Fact]
    public async Task Empty_file_exits_non_zero()
    {
        var csv = Path.Combine(_dir, "empty.csv");
        File.WriteAllText(csv, "");
        var schema = Path.Combine(_dir, "s.json");
        File.WriteAllText(schema, """{ "target": "price", "numeric": ["lotsize"] }""");
        var (code, error) = await Run(TrainPriceCommand.Create(), "--data", csv, "--schema", schema, "--report", Path.Combine(_dir, "r.json"));
        Assert.Equal(2, code);
        Assert.Contains("empty.csv: line 1", error);
    }

    [Fact]
    public async Task Cross_validation_writes_the_fold_assignment_for_the_peer()
    {
        var (code, error) = await Run(CrossValidateCommand.Create(),
            "--data", RepositoryFiles.SharedDataset("windsor_houseprices.csv"),
            "--schema", RepositoryFiles.SchemaFile("windsor_houseprices.schema.json"),
            "--folds", "3", "--seed", "1", "--folds-out", _dir, "--no-tune");
        Assert.True(code == 0, error);
        var lines = File.ReadAllLines(Path.Combine(_dir, "folds.csv"));
        Assert.Equal("line,fold", lines[0]);
        Assert.Equal(547, lines.Length);
        Assert.Equal(3, lines.Skip(1).Select(l => l.Split(',')[1]).Distinct().Count());
        using var cv = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "cv.json")));
        Assert.InRange(cv.RootElement.GetProperty("MdAPE").GetDouble(), 5, 25);
        Assert.InRange(cv.RootElement.GetProperty("intervals").GetProperty("overall").GetProperty("coverage").GetDouble(), 70, 90);
        Assert.Equal(3, cv.RootElement.GetProperty("fold_models").GetArrayLength());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task A_tuning_budget_that_is_not_positive_is_refused_naming_the_option(string budget)
    {
        var (code, error) = await Run(TrainPriceCommand.Create(),
            "--data", RepositoryFiles.SharedDataset("windsor_houseprices.csv"),
            "--schema", RepositoryFiles.SchemaFile("windsor_houseprices.schema.json"),
            "--report", Path.Combine(_dir, "r.json"), "--tune-seconds", budget);
        Assert.Equal(2, code);
        Assert.Contains("--tune-seconds", error);
        Assert.DoesNotContain("encode features", error); // refused before any training started
    }

    [Fact]
    public async Task A_constant_target_is_refused_naming_the_file_and_column()
    {
        var csv = Path.Combine(_dir, "flat.csv");
        File.WriteAllLines(csv, ["\"price\",\"lotsize\"", .. Enumerable.Range(0, 60).Select(i => $"100000,{4000 + 10 * i}")]);
        var schema = Path.Combine(_dir, "s.json");
        File.WriteAllText(schema, """{ "target": "price", "numeric": ["lotsize"] }""");
        var (code, error) = await Run(TrainPriceCommand.Create(), "--data", csv, "--schema", schema, "--report", Path.Combine(_dir, "r.json"));
        Assert.Equal(2, code);
        Assert.Contains("flat.csv", error);
        Assert.Contains("'price' is constant", error);
        Assert.DoesNotContain("encode features", error);
    }

    [Fact]
    public async Task Data_too_small_for_the_folds_is_refused_naming_the_file_and_option()
    {
        var csv = Path.Combine(_dir, "tiny.csv");
        File.WriteAllLines(csv, ["\"price\",\"lotsize\"", .. Enumerable.Range(0, 24).Select(i => $"{100000 + 1000 * i},{4000 + 10 * i}")]);
        var schema = Path.Combine(_dir, "s.json");
        File.WriteAllText(schema, """{ "target": "price", "numeric": ["lotsize"] }""");
        var (code, error) = await Run(CrossValidateCommand.Create(), "--data", csv, "--schema", schema, "--folds", "5");
        Assert.Equal(2, code);
        Assert.Contains("tiny.csv", error);
        Assert.Contains("--folds 5", error);
        Assert.DoesNotContain("fold 1/5", error);
    }
}

public class BenchCommandTests
{
    [Fact]
    public async Task Bench_price_reports_training_and_prediction_timings()
    {
        var output = new StringWriter();
        int code = await BenchPriceCommand.Create().Parse(["--rows", "1500", "--seed", "3"])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = new StringWriter() });
        Assert.Equal(0, code);
        var text = output.ToString();
        Assert.Contains("train 1,500 rows", text);
        Assert.Contains("predict 1 row", text);
        Assert.Contains("predict 1,000 rows", text);
    }
}
