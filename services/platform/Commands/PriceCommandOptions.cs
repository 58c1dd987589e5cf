using System.CommandLine;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Training;

namespace Platform.Host.Commands;

/// <summary>Options shared by the price verbs, and the bad-input handling they share.</summary>
internal static class PriceCommandOptions
{
    public static Option<int> Seed() => new("--seed") { Description = "Random seed (folds, splits, trees)", DefaultValueFactory = _ => 42 };

    public static Option<PriceTrainerKind> Trainer() => new("--trainer")
    { Description = "Boosted-tree trainer: LightGbm or FastTree", DefaultValueFactory = _ => PriceTrainerKind.LightGbm };

    public static Option<double> IntervalLevel() => new("--interval-level")
    { Description = "Coverage of the prediction intervals", DefaultValueFactory = _ => 0.8 };

    public static Option<double> TuneSeconds() => new("--tune-seconds")
    { Description = "Seconds for the cross-validated hyperparameter search (> 0)", DefaultValueFactory = _ => 30 };

    public static Option<int> TuneTrials() => new("--tune-trials")
    { Description = "Most search candidates; reached before the budget, results no longer depend on machine speed", DefaultValueFactory = _ => 40 };

    public static Option<bool> NoTune() => new("--no-tune") { Description = "Skip the search: train with the default settings" };

    public static Option<bool> NoEnsemble() => new("--no-ensemble") { Description = "Only LightGBM: do not consider the LightGBM + FastTree + ridge blend" };

    /// <summary>The training options the price verbs share, validated before any data is read.</summary>
    public static PriceTrainingOptions Training(ParseResult r, Option<int> seed, Option<PriceTrainerKind> trainer, Option<double> level,
        Option<double> tuneSeconds, Option<int> tuneTrials, Option<bool> noTune, Option<bool> noEnsemble)
    {
        var options = new PriceTrainingOptions
        {
            Seed = r.GetValue(seed),
            Trainer = r.GetValue(trainer),
            IntervalLevel = r.GetValue(level),
            TuneSeconds = r.GetValue(noTune) ? null : r.GetValue(tuneSeconds),
            TuneMaxTrials = r.GetValue(tuneTrials),
            Ensemble = !r.GetValue(noEnsemble),
        };
        options.Validate();
        return options;
    }

    /// <summary>Refuses a data set that cannot be trained on (too small for the folds, constant target), naming the file.</summary>
    public static void CheckTrainable(string path, IReadOnlyList<SaleRecord> rows, DatasetSchema schema, PriceTrainingOptions options, int outerFolds = 0)
    {
        if (outerFolds > 0 && outerFolds < 2) throw new ArgumentOutOfRangeException(nameof(outerFolds), outerFolds, $"--folds must be at least 2, got {outerFolds}");
        // With outer cross-validation each fold trains on the sales outside its largest fold.
        int training = outerFolds > 0 ? rows.Count - (rows.Count + outerFolds - 1) / outerFolds : rows.Count;
        int needed = PriceModelTrainer.MinimumRows(options.TuneFolds);
        if (training < needed)
        {
            throw new DatasetFormatException(outerFolds > 0
                ? $"{path}: {rows.Count} sales are too few for --folds {outerFolds}: each fold would train on {training}, and training needs at least {needed} ({options.TuneFolds}-fold search inside)"
                : $"{path}: {rows.Count} sales are too few: training needs at least {needed} ({options.TuneFolds}-fold search inside)");
        }
        try
        {
            PriceModelTrainer.CheckTrainable(rows, schema, options.TuneFolds);
        }
        catch (ArgumentException e)
        {
            throw new DatasetFormatException($"{path}: {e.Message.Replace(" (Parameter 'rows')", "", StringComparison.Ordinal)}");
        }
    }

    /// <summary>Reads a CSV and refuses rows the reader rejected, naming file, line and column of the first ones.</summary>
    public static SalesDataset ReadStrict(string path, DatasetSchema schema)
    {
        var data = SchemaCsvReader.Read(path, schema);
        if (data.Manifest.Issues.Count > 0)
        {
            var first = string.Join(Environment.NewLine, data.Manifest.Issues.Take(5).Select(i => $"{path}: {i}"));
            throw new DatasetFormatException(
                $"{path}: {data.Manifest.Issues.Count} bad row(s) of {data.Manifest.RowsRead}:{Environment.NewLine}{first}");
        }
        return data;
    }

    /// <summary>Runs a verb body, turning bad input into exit code 2 with the message on stderr.</summary>
    public static async Task<int> Guard(ParseResult parse, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (DatasetFormatException e)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        catch (ArgumentException e)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
    }
}
