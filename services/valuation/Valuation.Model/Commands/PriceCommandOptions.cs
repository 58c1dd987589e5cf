using System.CommandLine;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Training;

namespace Platform.Valuation.Model.Commands;

/// <summary>Options shared by the price verbs, and the bad-input handling they share.</summary>
internal static class PriceCommandOptions
{
    public static Option<int> Seed() => new("--seed") { Description = "Random seed (folds, splits, trees)", DefaultValueFactory = _ => 42 };

    public static Option<PriceTrainerKind> Trainer() => new("--trainer")
    { Description = "Boosted-tree trainer: LightGbm or FastTree", DefaultValueFactory = _ => PriceTrainerKind.LightGbm };

    public static Option<double> IntervalLevel() => new("--interval-level")
    { Description = "Coverage of the prediction intervals", DefaultValueFactory = _ => 0.8 };

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
