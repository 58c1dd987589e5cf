using System.CommandLine;
using System.Diagnostics;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Evaluation;
using Platform.Valuation.Model.Reporting;
using Platform.Valuation.Model.Training;

namespace Platform.Host.Commands;

/// <summary><c>platform train price</c>: train on one CSV, evaluate on another (or a seeded split), write the report.</summary>
public static class TrainPriceCommand
{
    public static Command Create()
    {
        var train = new Option<FileInfo?>("--train") { Description = "Training sales CSV" };
        var test = new Option<FileInfo?>("--test") { Description = "Held-out sales CSV to evaluate on" };
        var data = new Option<FileInfo?>("--data") { Description = "One CSV to split into train/test (instead of --train/--test)" };
        var testFraction = new Option<double>("--test-fraction") { Description = "Test share for --data", DefaultValueFactory = _ => 0.2 };
        var schema = new Option<FileInfo>("--schema") { Description = "Dataset schema JSON", Required = true };
        var report = new Option<FileInfo>("--report") { Description = "Where to write REPORT.json", Required = true };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for model.zip, report.md and plots" };
        var good = new Option<double>("--good-mdape") { Description = "Segment MdAPE (%) at or below which status is Good", DefaultValueFactory = _ => 12 };
        var ok = new Option<double>("--ok-mdape") { Description = "Segment MdAPE (%) at or below which status is OK", DefaultValueFactory = _ => 18 };
        var tail = new Option<double?>("--tail-ae-p90") { Description = "AE p90 (money) above which a segment is flagged tail risk (default 1.5 x overall)" };
        var seed = PriceCommandOptions.Seed();
        var trainer = PriceCommandOptions.Trainer();
        var level = PriceCommandOptions.IntervalLevel();
        var tuneSeconds = PriceCommandOptions.TuneSeconds();
        var tuneTrials = PriceCommandOptions.TuneTrials();
        var noTune = PriceCommandOptions.NoTune();
        var noEnsemble = PriceCommandOptions.NoEnsemble();

        var command = new Command("price", "Train the price model and evaluate it on held-out sales");
        foreach (var o in new Option[] { train, test, data, testFraction, schema, report, output, seed, trainer, level, good, ok, tail, tuneSeconds, tuneTrials, noTune, noEnsemble })
            command.Options.Add(o);
        command.Validators.Add(result =>
        {
            bool split = result.GetValue(data) is not null;
            bool pair = result.GetValue(train) is not null && result.GetValue(test) is not null;
            if (split == pair) result.AddError("give either --train and --test, or --data (with --test-fraction)");
        });

        command.SetAction((ParseResult r, CancellationToken ct) => PriceCommandOptions.Guard(r, async () =>
        {
            var options = PriceCommandOptions.Training(r, seed, trainer, level, tuneSeconds, tuneTrials, noTune, noEnsemble);
            var s = DatasetSchema.Load(r.GetValue(schema)!.FullName);
            IReadOnlyList<SaleRecord> trainRows, testRows;
            string trainPath;
            if (r.GetValue(data) is { } dataFile)
            {
                trainPath = dataFile.FullName;
                var all = PriceCommandOptions.ReadStrict(dataFile.FullName, s).Rows;
                double fraction = r.GetValue(testFraction);
                if (fraction is <= 0 or >= 1) throw new ArgumentException($"--test-fraction must be in (0, 1), got {fraction}");
                var order = Enumerable.Range(0, all.Count).ToArray();
                new Random(r.GetValue(seed)).Shuffle(order);
                int nTest = Math.Max(1, (int)Math.Round(all.Count * fraction));
                testRows = [.. order.Take(nTest).Order().Select(i => all[i])];
                trainRows = [.. order.Skip(nTest).Order().Select(i => all[i])];
            }
            else
            {
                trainPath = r.GetValue(train)!.FullName;
                trainRows = PriceCommandOptions.ReadStrict(trainPath, s).Rows;
                testRows = PriceCommandOptions.ReadStrict(r.GetValue(test)!.FullName, s).Rows;
            }

            PriceCommandOptions.CheckTrainable(trainPath, trainRows, s, options);
            var clock = Stopwatch.StartNew();
            var model = PriceModelTrainer.Train(trainRows, s, options, new TrainingProgressConsole(r.InvocationConfiguration.Error), ct);
            double seconds = clock.Elapsed.TotalSeconds;

            var actual = testRows.Select(x => x.Price).ToArray();
            var predicted = new double[testRows.Count];
            var lows = new double[testRows.Count];
            var highs = new double[testRows.Count];
            int covered = 0;
            for (int i = 0; i < testRows.Count; i++)
            {
                (predicted[i], lows[i], highs[i]) = model.PredictPrice(testRows[i]);
                if (actual[i] >= lows[i] && actual[i] <= highs[i]) covered++;
            }
            var segments = testRows.Select(x => x.Segment).ToArray();
            var intervals = IntervalStudyCalculator.Compute(model.AdaptiveIntervals ? "adaptive" : "flat", options.IntervalLevel, actual, predicted, lows, highs,
                segments, [.. testRows.Select(_ => model.IntervalLogHalfWidth)]);
            var thresholds = new SegmentThresholds { GoodMdApe = r.GetValue(good), OkMdApe = r.GetValue(ok), TailRiskAeP90 = r.GetValue(tail) };
            var summary = MetricsCalculator.Summarise(actual, predicted, segments, thresholds);
            var result = new PriceReport(summary, trainRows.Count, testRows.Count, options.IntervalLevel,
                100.0 * covered / testRows.Count, model.Trainer, seconds, s.ToJson(), model.FeatureImportance, intervals, model.Training);
            result.WriteJson(r.GetValue(report)!.FullName);

            if (r.GetValue(output) is { } dir)
            {
                dir.Create();
                await using (var file = File.Create(Path.Combine(dir.FullName, "model.zip"))) model.Save(file);
                ReportWriter.Write(dir.FullName, result, actual, predicted);
            }
            await r.InvocationConfiguration.Output.WriteLineAsync(FormattableString.Invariant(
                $"{model.Trainer}: MdAPE {summary.Overall.MdAPE:F2} %, PPE10 {summary.Overall.PPE10:F1} %, coverage {result.IntervalCoverage:F1} % on {testRows.Count} test sales"));
            return 0;
        }));
        return command;
    }
}
