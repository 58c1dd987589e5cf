using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Evaluation;
using Platform.Valuation.Model.Reporting;
using Platform.Valuation.Model.Training;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform train cv</c>: k-fold cross-validation of the price model with a seeded fold assignment;
/// <c>--folds-out</c> writes that assignment (folds.csv: line,fold) so a peer model can be scored on the same folds.
/// </summary>
public static class CrossValidateCommand
{
    public static Command Create()
    {
        var data = new Option<FileInfo>("--data") { Description = "Sales CSV", Required = true };
        var schema = new Option<FileInfo>("--schema") { Description = "Dataset schema JSON", Required = true };
        var folds = new Option<int>("--folds") { Description = "Number of folds", DefaultValueFactory = _ => 5 };
        var foldsOut = new Option<DirectoryInfo?>("--folds-out") { Description = "Folder to write folds.csv and cv.json into" };
        var seed = PriceCommandOptions.Seed();
        var trainer = PriceCommandOptions.Trainer();
        var level = PriceCommandOptions.IntervalLevel();
        var tuneSeconds = PriceCommandOptions.TuneSeconds();
        var tuneTrials = PriceCommandOptions.TuneTrials();
        var noTune = PriceCommandOptions.NoTune();
        var noEnsemble = PriceCommandOptions.NoEnsemble();
        var command = new Command("cv", "Cross-validate the price model (the search, blend and intervals run inside each fold)");
        foreach (var o in new Option[] { data, schema, folds, foldsOut, seed, trainer, level, tuneSeconds, tuneTrials, noTune, noEnsemble }) command.Options.Add(o);

        command.SetAction((ParseResult r, CancellationToken ct) => PriceCommandOptions.Guard(r, async () =>
        {
            var options = PriceCommandOptions.Training(r, seed, trainer, level, tuneSeconds, tuneTrials, noTune, noEnsemble);
            var s = DatasetSchema.Load(r.GetValue(schema)!.FullName);
            var path = r.GetValue(data)!.FullName;
            var rows = PriceCommandOptions.ReadStrict(path, s).Rows;
            PriceCommandOptions.CheckTrainable(path, rows, s, options, r.GetValue(folds));
            var result = PriceCrossValidator.Run(rows, s, r.GetValue(folds), options, new TrainingProgressConsole(r.InvocationConfiguration.Error), ct);
            var p = result.Pooled;
            var json = new JsonObject
            {
                ["trainer"] = options.Trainer.ToString(),
                ["folds"] = r.GetValue(folds),
                ["seed"] = options.Seed,
                ["n"] = rows.Count,
                ["MdAPE"] = p.MdAPE,
                ["MAPE"] = p.MAPE,
                ["WAPE"] = p.WAPE,
                ["PPE10"] = p.PPE10,
                ["PPE20"] = p.PPE20,
                ["RMSLE"] = p.RMSLE,
                ["interval_level"] = options.IntervalLevel,
                ["interval_coverage"] = result.IntervalCoverage,
                ["seconds"] = result.TrainSeconds,
            };
            var actual = rows.Select(x => x.Price).ToArray();
            var segments = rows.Select(x => x.Segment).ToArray();
            var report = new PriceReport(
                MetricsCalculator.Summarise(actual, result.Predicted, segments), rows.Count, rows.Count, options.IntervalLevel,
                result.IntervalCoverage, string.Join(" | ", result.FoldTrainers.Distinct()), result.TrainSeconds, null, null,
                IntervalStudyCalculator.Compute(result.Adaptive ? "adaptive" : "flat", options.IntervalLevel, actual, result.Predicted,
                    result.Low, result.High, segments, result.FlatLogHalfWidth)).ToJson();
            // The new report sections of the pooled out-of-fold predictions, and how each fold's model was chosen.
            foreach (var key in new[] { "ratio_study", "intervals" }) json[key] = report[key]!.DeepClone();
            json["fold_models"] = new JsonArray([.. result.FoldTraining.Select((t, f) => (JsonNode)new JsonObject
            {
                ["fold"] = f,
                ["trainer"] = result.FoldTrainers[f],
                ["tuning"] = t is null ? null : PriceReport.TrainingJson(t),
            })]);
            if (r.GetValue(foldsOut) is { } dir)
            {
                dir.Create();
                await File.WriteAllLinesAsync(Path.Combine(dir.FullName, "folds.csv"),
                    ["line,fold", .. rows.Select((row, i) => string.Create(CultureInfo.InvariantCulture, $"{row.Line},{result.Fold[i]}"))], ct);
                await File.WriteAllTextAsync(Path.Combine(dir.FullName, "cv.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct);
            }
            await r.InvocationConfiguration.Output.WriteLineAsync(json.ToJsonString());
            return 0;
        }));
        return command;
    }
}
