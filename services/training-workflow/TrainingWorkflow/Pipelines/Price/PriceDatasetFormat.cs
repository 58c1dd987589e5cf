using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Platform.MarketData.Domain;
using Platform.MarketData.Synthetic;
using Platform.Valuation.Model.Data;

namespace Platform.TrainingWorkflow.Pipelines.Price;

/// <summary>
/// The price model's training table as the pipeline snapshots it: PostgreSQL sales joined with their property, flattened
/// to the same columns as the generator's <c>sales.csv</c>, read back through <see cref="SchemaCsvReader"/> so the
/// snapshot is parsed exactly as an imported file would be.
/// </summary>
public static class PriceDatasetFormat
{
    private static IReadOnlyList<(string Column, Func<Property, double?> Value)> NumericColumns => PropertyPriceColumns.Numeric;

    public static DatasetSchema Schema { get; } = new()
    {
        Id = "transaction_id",
        Target = "sold_price",
        Numeric = [.. CsvMarketWriter.SaleNumericColumns],
        Categorical = ["property_type", "municipality"],
        Latitude = "latitude",
        Longitude = "longitude",
        Segment = "property_type",
        Date = new DateColumn { Column = "sold_at" },
        UsableArea = "usable_area",
        TotalArea = "total_area",
        YearBuilt = "year_built",
    };

    public static string Header { get; } =
        "transaction_id,property_id,sold_at,sold_price,property_type,municipality,zip_code,latitude,longitude,"
        + string.Join(',', NumericColumns.Select(c => c.Column));

    public static string Line(Sale sale, Property property)
    {
        var fields = new List<string?>
        {
            sale.TransactionId, property.PropertyId, sale.SoldAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), N(sale.SoldPrice),
            property.PropertyType, property.Municipality, property.ZipCode, N(property.Latitude), N(property.Longitude),
        };
        fields.AddRange(NumericColumns.Select(c => N(c.Value(property))));
        return string.Join(',', fields.Select(Escape));
    }

    /// <summary>A property as a row to price (no sold price), dated <paramref name="asOf"/>: what the twin's features need.</summary>
    public static SaleRecord ToRecord(Property property, DateTime asOf) => new()
    {
        Id = property.PropertyId,
        Numeric = [.. NumericColumns.Select(c => c.Value(property) ?? double.NaN)],
        Categorical = [property.PropertyType, property.Municipality],
        Latitude = property.Latitude,
        Longitude = property.Longitude,
        UsableArea = property.UsableArea,
        TotalArea = property.TotalArea ?? double.NaN,
        YearBuilt = property.YearBuilt,
        Segment = property.PropertyType,
        SaleDate = asOf,
    };

    public static SalesDataset Read(byte[] csv, string source)
    {
        using var reader = new StreamReader(new MemoryStream(csv), Encoding.UTF8);
        return SchemaCsvReader.Read(reader, Schema, source);
    }

    /// <summary>
    /// Whether a sale belongs to the evaluation holdout. Decided by a hash of its id, so a sale stays on the same side in
    /// every run: a champion trained by this pipeline has never seen the rows it is compared on.
    /// </summary>
    public static bool IsHoldout(SaleRecord row, double holdoutShare)
    {
        var id = row.Id ?? row.Line.ToString(CultureInfo.InvariantCulture);
        var hash = BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
        return hash % 10_000 < (ulong)Math.Round(holdoutShare * 10_000);
    }

    private static string? N(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);

    private static string? Escape(string? field) =>
        field is null ? "" : field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
