using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace Platform.Valuation.Api.Tests;

/// <summary>The shared Sacramento sales (<c>&lt;repo&gt;/../shared/datasets</c>) and the repo's schema for them, as request rows.</summary>
public static class SacramentoData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string CsvPath { get; } = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "datasets", "sacramento.csv"));

    public static string SchemaPath { get; } = Path.Combine(RepoRoot, "datasets", "sacramento.schema.json");

    /// <summary>Sales as request rows (every column but the price), with ids <c>sac-{line}</c>.</summary>
    public static IReadOnlyList<JsonObject> Rows(int count, int skip = 0)
    {
        var lines = File.ReadLines(CsvPath).ToList();
        var header = Split(lines[0]);
        var rows = new List<JsonObject>(count);
        foreach (var (line, number) in lines.Select((l, i) => (l, i + 1)).Skip(1 + skip).Take(count))
        {
            var cells = SplitCells(line);
            var row = new JsonObject { ["property_id"] = $"sac-{number}" };
            for (var c = 0; c < header.Count; c++)
            {
                if (header[c] == "price")
                {
                    continue;
                }

                row[header[c]] = cells[c].Quoted
                    ? JsonValue.Create(cells[c].Text)
                    : JsonValue.Create(double.Parse(cells[c].Text, CultureInfo.InvariantCulture));
            }

            rows.Add(row);
        }

        return rows;
    }

    public static JsonObject Request(IEnumerable<JsonObject> rows) => new() { ["properties"] = new JsonArray([.. rows.Select(r => r.DeepClone())]) };

    private static List<string> Split(string line) => [.. SplitCells(line).Select(c => c.Text)];

    private static List<(string Text, bool Quoted)> SplitCells(string line) =>
        [.. line.Split(',').Select(cell => cell.StartsWith('"') ? (cell.Trim('"'), true) : (cell, false))];

    private static string FindRepoRoot([CallerFilePath] string sourceFile = "")
    {
        // Test binaries may be built outside the repo (--artifacts-path), so start from the binaries, then this source file.
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile)! })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException("Platform.sln not found above the test binaries or the test sources.");
    }
}
