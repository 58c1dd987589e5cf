using System.Text.Json;
using Platform.MarketData.Synthetic;

namespace Platform.MarketData.Tests;

public sealed class CsvAndCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "marketdata-csv-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_generate_verb_writes_csv_files_the_schema_and_ground_truth()
    {
        var exit = await GenerateCommand.Create().Parse(
            ["--properties", "200", "--users", "6", "--interactions-per-user", "30", "--seed", "3", "--no-db", "--csv", _directory]).InvokeAsync();

        Assert.Equal(0, exit);
        var market = new SyntheticMarketGenerator(new SyntheticMarketOptions { Properties = 200, Users = 6, InteractionsPerUser = 30, Seed = 3 });
        Assert.Equal(201, File.ReadLines(Path.Combine(_directory, "properties.csv")).Count());
        Assert.Equal(market.Sales.Count + 1, File.ReadLines(Path.Combine(_directory, "sales.csv")).Count());
        Assert.Equal(market.Interactions().Count() + 1, File.ReadLines(Path.Combine(_directory, "interactions.csv")).Count());
        Assert.Equal(7, File.ReadLines(Path.Combine(_directory, "ground_truth_users.csv")).Count());

        // Every column the schema names exists in sales.csv.
        using var schema = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, CsvMarketWriter.SalesSchemaFile)));
        var header = File.ReadLines(Path.Combine(_directory, "sales.csv")).First().Split(',');
        var root = schema.RootElement;
        var named = root.GetProperty("numeric").EnumerateArray().Concat(root.GetProperty("categorical").EnumerateArray()).Select(e => e.GetString()!)
            .Concat(new[] { "target", "latitude", "longitude", "segment", "date", "id" }.Select(p => root.GetProperty(p).GetString()!));
        Assert.All(named, column => Assert.Contains(column, header));
        Assert.Equal("sold_price", root.GetProperty("target").GetString());

        var firstSale = File.ReadLines(Path.Combine(_directory, "sales.csv")).Skip(1).First().Split(',');
        Assert.Equal(market.Sales[0].Sale.TransactionId, firstSale[0]);
        Assert.Equal(market.Sales[0].Sale.SoldPrice, double.Parse(firstSale[Array.IndexOf(header, "sold_price")], System.Globalization.CultureInfo.InvariantCulture));

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, "ground_truth_summary.json")));
        Assert.Equal(Math.Round(market.NoiseFloorMdape(), 5), summary.RootElement.GetProperty("noise_floor_mdape").GetDouble());
    }

    [Fact]
    public async Task The_same_seed_writes_byte_identical_files()
    {
        string[] args = ["--properties", "150", "--users", "4", "--interactions-per-user", "20", "--seed", "9", "--no-db", "--csv"];
        Assert.Equal(0, await GenerateCommand.Create().Parse([.. args, Path.Combine(_directory, "a")]).InvokeAsync());
        Assert.Equal(0, await GenerateCommand.Create().Parse([.. args, Path.Combine(_directory, "b")]).InvokeAsync());

        foreach (var file in Directory.GetFiles(Path.Combine(_directory, "a")))
        {
            Assert.Equal(await File.ReadAllBytesAsync(file), await File.ReadAllBytesAsync(Path.Combine(_directory, "b", Path.GetFileName(file))));
        }
    }

    [Fact]
    public async Task Generate_without_a_destination_or_with_bad_options_fails_with_usage_exit_code()
    {
        Assert.Equal(2, await GenerateCommand.Create().Parse(["--no-db"]).InvokeAsync());
        Assert.Equal(2, await GenerateCommand.Create().Parse(["--properties", "0", "--no-db", "--csv", _directory]).InvokeAsync());
    }
}
