using System.CommandLine;
using System.Text.Json;
using Npgsql;
using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;
using Platform.Valuation.Model.Data;

namespace Platform.Host;

/// <summary>
/// <c>platform import --schema S --file F</c>: reads transactions from any CSV the schema describes, keeps the good rows in
/// PostgreSQL and writes a manifest of every rejected row with its line, column and reason (also a sale date outside
/// <see cref="DateInput.Sale"/>, which the reader rejects). Nothing is dropped silently.
/// </summary>
public static class ImportCommand
{
    /// <param name="connectionString">PostgreSQL, asked for once the file has been read.</param>
    /// <param name="dataFolder">The local data folder; manifests go to its <c>imports/</c> by default.</param>
    public static Command Create(Func<CancellationToken, Task<string>> connectionString, string dataFolder)
    {
        var schema = new Option<FileInfo>("--schema") { Description = "Schema JSON naming id, target, numeric, categorical, geo, segment and date columns.", Required = true };
        var file = new Option<FileInfo>("--file") { Description = "The CSV to import.", Required = true };
        var tenant = new Option<string>("--tenant") { Description = "Tenant that owns the rows.", DefaultValueFactory = _ => "demo" };
        var dataset = new Option<string?>("--dataset") { Description = "Dataset name (default: the file name without extension)." };
        var manifest = new Option<FileInfo?>("--manifest") { Description = $"Where to write the import manifest (default: {Path.Combine(dataFolder, "imports")}/DATASET.manifest.json)." };
        var command = new Command("import", "Import transactions from a CSV described by a schema file.") { schema, file, tenant, dataset, manifest };
        command.SetAction(async (result, cancellationToken) =>
        {
            var csv = result.GetValue(file)!;
            var name = result.GetValue(dataset) ?? Path.GetFileNameWithoutExtension(csv.Name);
            var tenantId = result.GetValue(tenant)!;
            SalesDataset read;
            try
            {
                TenantId.Validate(tenantId, "--tenant");
                read = SchemaCsvReader.Read(csv.FullName, DatasetSchema.Load(result.GetValue(schema)!.FullName));
            }
            catch (Exception exception) when (exception is DatasetFormatException or IOException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"error: {exception.Message}");
                return 1;
            }

            var manifestFile = result.GetValue(manifest)?.FullName ?? Path.Combine(dataFolder, "imports", $"{name}.manifest.json");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(manifestFile))!);
            await File.WriteAllTextAsync(manifestFile, JsonSerializer.Serialize(read.Manifest, ManifestJson), cancellationToken);

            var database = await connectionString(cancellationToken);
            await PlatformDatabase.MigrateAsOwnerAsync(database, cancellationToken);
            await using var dataSource = NpgsqlDataSource.Create(database);
            await new TenantStore(dataSource).EnsureAsync(tenantId, cancellationToken: cancellationToken);
            var stored = await new BulkLoader(dataSource).ReplaceImportedSalesAsync(
                tenantId, name, read.Rows.Select(row => ToImportedSale(tenantId, name, read.Schema, row)), cancellationToken);

            Console.WriteLine($"{csv.Name}: {read.Manifest.RowsRead} rows read, {stored} stored for tenant '{tenantId}' as dataset '{name}', " +
                $"{read.Manifest.RowsRejected} rejected (manifest: {manifestFile})");
            foreach (var issue in read.Manifest.Issues.Take(20))
            {
                Console.WriteLine($"  rejected {issue}");
            }

            return stored > 0 ? 0 : 1;
        });
        return command;
    }

    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerOptions.Web) { WriteIndented = true };

    public static ImportedSale ToImportedSale(string tenantId, string dataset, DatasetSchema schema, SaleRecord row)
    {
        var attributes = new Dictionary<string, object?>();
        for (var i = 0; i < schema.Numeric.Count; i++)
        {
            attributes[schema.Numeric[i]] = double.IsNaN(row.Numeric[i]) ? null : row.Numeric[i];
        }

        for (var i = 0; i < schema.Categorical.Count; i++)
        {
            attributes[schema.Categorical[i]] = row.Categorical[i];
        }

        return new ImportedSale
        {
            TenantId = tenantId,
            Dataset = dataset,
            Line = row.Line,
            RecordId = row.Id,
            Price = row.Price,
            SoldAt = row.SaleDate is { } date ? DateOnly.FromDateTime(date) : null,
            Segment = row.Segment,
            Latitude = double.IsNaN(row.Latitude) ? null : row.Latitude,
            Longitude = double.IsNaN(row.Longitude) ? null : row.Longitude,
            AttributesJson = JsonSerializer.Serialize(attributes),
        };
    }
}
