using Microsoft.Extensions.Configuration;
using Platform.Host;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary><c>platform import</c>: good rows land in PostgreSQL, every bad row is in the manifest with line, column and reason.</summary>
public sealed class ImportCommandTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IDisposable
{
    private readonly DirectoryInfo _workspace = Directory.CreateTempSubdirectory("platform-import-");

    public void Dispose() => _workspace.Delete(recursive: true);

    [Fact]
    public async Task Good_rows_are_stored_and_bad_rows_are_reported_with_their_line()
    {
        var schema = Write("homes.schema.json", """
            { "id": "id", "target": "price", "numeric": ["sqft", "beds"], "categorical": ["type"],
              "latitude": "lat", "longitude": "lon", "segment": "type", "usable_area": "sqft" }
            """);
        var csv = Write("homes.csv", """
            "id","price","sqft","beds","type","lat","lon"
            "a",250000,1200,3,"Residential",38.6,-121.4
            "b",abc,900,2,"Condo",38.5,-121.5
            "c",310000,-5,4,"Residential",38.7,-121.3
            "d",199000,800,2,"Condo",138.5,-121.5
            "e",420000,2100,4,"Residential",38.4,-121.2
            """);
        var manifest = Path.Combine(_workspace.FullName, "homes.manifest.json");

        var exitCode = await RunAsync("import", "--schema", schema, "--file", csv, "--tenant", "acme", "--manifest", manifest);

        Assert.Equal(0, exitCode);
        await using var count = database.DataSource.CreateCommand(
            "SELECT string_agg(record_id, ',' ORDER BY line) FROM imported_sales WHERE tenant_id = 'acme' AND dataset = 'homes'");
        Assert.Equal("a,e", await count.ExecuteScalarAsync());

        var report = await File.ReadAllTextAsync(manifest);
        Assert.Contains("\"rowsRead\": 5", report, StringComparison.Ordinal);
        Assert.Contains("\"rowsKept\": 2", report, StringComparison.Ordinal);
        foreach (var (line, column) in new[] { (3, "price"), (4, "sqft"), (5, "lat") })
        {
            Assert.Matches($"\"line\": {line},\\s*\"column\": \"{column}\"", report);
        }
    }

    [Fact]
    public async Task Rows_with_a_sale_date_outside_the_accepted_range_are_rejected_naming_the_column_and_not_stored()
    {
        var schema = Write("dated.schema.json", """{ "id": "id", "target": "price", "numeric": ["sqft"], "date": "sold_at" }""");
        var csv = Write("dated.csv", """
            "id","price","sqft","sold_at"
            "ok",250000,1200,"2014-05-21"
            "year1",250000,1200,"0001-01-01"
            "year9999",250000,1200,"9999-12-31"
            "future",250000,1200,"2200-06-01"
            "old",250000,1200,"1900-01-01"
            """);
        var manifest = Path.Combine(_workspace.FullName, "dated.manifest.json");

        Assert.Equal(0, await RunAsync("import", "--schema", schema, "--file", csv, "--tenant", "acme", "--manifest", manifest));

        await using var stored = database.DataSource.CreateCommand(
            "SELECT string_agg(record_id, ',' ORDER BY line) FROM imported_sales WHERE tenant_id = 'acme' AND dataset = 'dated'");
        Assert.Equal("ok,old", await stored.ExecuteScalarAsync());
        var report = await File.ReadAllTextAsync(manifest);
        Assert.Contains("\"rowsKept\": 2", report, StringComparison.Ordinal);
        foreach (var line in new[] { 3, 4, 5 })
        {
            Assert.Matches($"\"line\": {line},\\s*\"column\": \"sold_at\",\\s*\"reason\": \"[^\"]*outside the accepted range \\[1900-01-01", report);
        }
    }

    [Fact]
    public async Task Importing_the_same_dataset_again_replaces_it_instead_of_doubling_it()
    {
        var schema = Write("again.schema.json", """{ "target": "price", "numeric": ["sqft"] }""");
        var csv = Write("again.csv", "price,sqft\n100000,50\n200000,90\n");

        Assert.Equal(0, await RunAsync("import", "--schema", schema, "--file", csv, "--tenant", "acme"));
        Assert.Equal(0, await RunAsync("import", "--schema", schema, "--file", csv, "--tenant", "acme"));

        await using var count = database.DataSource.CreateCommand("SELECT count(*) FROM imported_sales WHERE dataset = 'again'");
        Assert.Equal(2L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_schema_naming_a_column_the_file_lacks_fails_naming_both()
    {
        var schema = Write("bad.schema.json", """{ "target": "price", "numeric": ["rooms"] }""");
        var csv = Write("bad.csv", "price,sqft\n100000,50\n");
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.NotEqual(0, await RunAsync("import", "--schema", schema, "--file", csv));
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Contains("bad.csv", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("rooms", error.ToString(), StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_workspace.FullName, name);
        File.WriteAllText(path, content.ReplaceLineEndings("\n"));
        return path;
    }

    private Task<int> RunAsync(params string[] args)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:Postgres", database.ConnectionString)]).Build();
        var dataFolder = Path.Combine(_workspace.FullName, ".platform");
        var command = PlatformCommandLine.Create(configuration, dataFolder);
        return command.Parse(args.Contains("--manifest") ? args : [.. args, "--manifest", Path.Combine(dataFolder, Guid.NewGuid() + ".json")]).InvokeAsync();
    }
}
