using System.Globalization;
using System.Text;
using System.Text.Json;
using Platform.MarketData.Domain;

namespace Platform.MarketData.Synthetic;

/// <summary>Rows written per file by <see cref="CsvMarketWriter"/>.</summary>
public sealed record CsvWriteResult(IReadOnlyDictionary<string, long> RowsPerFile)
{
    public long TotalRows => RowsPerFile.Values.Sum();
}

/// <summary>
/// Writes a synthetic market as CSV (invariant culture, comma-separated, header row, empty field = missing):
/// properties, sales (flattened with property features, plus <c>sales.schema.json</c> for the importer), users,
/// interactions and the ground truth files.
/// </summary>
public static class CsvMarketWriter
{
    public const string SalesSchemaFile = "sales.schema.json";

    /// <summary>Numeric feature columns of sales.csv (<see cref="PropertyPriceColumns"/>).</summary>
    public static IReadOnlyList<string> SaleNumericColumns { get; } = [.. PropertyPriceColumns.Numeric.Select(c => c.Column)];

    public static async Task<CsvWriteResult> WriteAsync(SyntheticMarketGenerator market, string directory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var rows = new Dictionary<string, long>();
        var properties = market.Properties.ToDictionary(p => p.PropertyId);

        rows["properties.csv"] = await WriteFileAsync(Path.Combine(directory, "properties.csv"),
            "tenant_id,property_id,property_type,municipality,zip_code,latitude,longitude,usable_area,total_area,lot_size,rooms,bedrooms,bathrooms,floor,year_built,condition,listing_price,status,days_on_market,listed_at,monthly_rent",
            market.Properties.Select(p => Join(p.TenantId, p.PropertyId, p.PropertyType, p.Municipality, p.ZipCode, N(p.Latitude), N(p.Longitude),
                N(p.UsableArea), N(p.TotalArea), N(p.LotSize), N(p.Rooms), N(p.Bedrooms), N(p.Bathrooms), N(p.Floor), N(p.YearBuilt),
                N(p.Condition), N(p.ListingPrice), p.Status, N(p.DaysOnMarket), D(p.ListedAt), N(p.MonthlyRent))), cancellationToken);

        rows["sales.csv"] = await WriteFileAsync(Path.Combine(directory, "sales.csv"),
            "transaction_id,property_id,sold_at,sold_price,property_type,municipality,zip_code,latitude,longitude," + string.Join(',', SaleNumericColumns),
            market.Sales.Select(s =>
            {
                var p = properties[s.Sale.PropertyId];
                return Join([s.Sale.TransactionId, p.PropertyId, D(s.Sale.SoldAt), N(s.Sale.SoldPrice), p.PropertyType, p.Municipality, p.ZipCode,
                    N(p.Latitude), N(p.Longitude), .. PropertyPriceColumns.Numeric.Select(c => N(c.Value(p)))]);
            }), cancellationToken);

        rows["users.csv"] = await WriteFileAsync(Path.Combine(directory, "users.csv"), "tenant_id,user_id,name,segment,created_at",
            market.Users.Select(u => Join(u.User.TenantId, u.User.UserId, u.User.Name, u.User.Segment, T(u.User.CreatedAt))), cancellationToken);

        rows["interactions.csv"] = await WriteFileAsync(Path.Combine(directory, "interactions.csv"), "tenant_id,event_id,user_id,property_id,kind,occurred_at",
            market.Interactions().Select(i => Join(i.TenantId, i.EventId, i.UserId, i.PropertyId, i.Kind.ToWireName(), T(i.OccurredAt))), cancellationToken);

        rows["ground_truth_sales.csv"] = await WriteFileAsync(Path.Combine(directory, "ground_truth_sales.csv"),
            "transaction_id,sold_price,noise_free_price,log_noise,noise_sd",
            market.Sales.Select(s => Join(s.Sale.TransactionId, N(s.Sale.SoldPrice), N(Math.Round(s.NoiseFreePrice, 2)), N(s.LogNoise), N(s.NoiseSd))), cancellationToken);

        rows["ground_truth_users.csv"] = await WriteFileAsync(Path.Combine(directory, "ground_truth_users.csv"),
            "user_id,segment,home_municipality," + string.Join(',', PreferenceFeatures.Names.Select(n => "pref_" + n)),
            market.Users.Select(u => Join([u.User.UserId, u.User.Segment, u.HomeMunicipality, .. u.Preferences.Select(v => N(v))])), cancellationToken);

        rows["ground_truth_property_features.csv"] = await WriteFileAsync(Path.Combine(directory, "ground_truth_property_features.csv"),
            "property_id," + string.Join(',', PreferenceFeatures.Names),
            market.Properties.Select((p, i) => Join([p.PropertyId, .. market.FeaturesOf(i).ToArray().Select(v => N(Math.Round(v, 5)))])), cancellationToken);

        await File.WriteAllTextAsync(Path.Combine(directory, SalesSchemaFile), SalesSchemaJson(), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "ground_truth_summary.json"), JsonSerializer.Serialize(new
        {
            seed = market.Options.Seed,
            tenant = market.Options.TenantId,
            properties = market.Properties.Count,
            sales = market.Sales.Count,
            users = market.Users.Count,
            noise_floor_mdape = Math.Round(market.NoiseFloorMdape(), 5),
            preference_features = PreferenceFeatures.Names,
        }, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        return new CsvWriteResult(rows);
    }

    /// <summary>The import schema of sales.csv: target, features, location, segment, date and id columns.</summary>
    public static string SalesSchemaJson() => JsonSerializer.Serialize(new
    {
        target = "sold_price",
        numeric = SaleNumericColumns,
        categorical = new[] { "property_type", "municipality" },
        latitude = "latitude",
        longitude = "longitude",
        segment = "property_type",
        date = "sold_at",
        id = "transaction_id",
    }, new JsonSerializerOptions { WriteIndented = true });

    private static async Task<long> WriteFileAsync(string path, string header, IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16);
        await writer.WriteLineAsync(header);
        long count = 0;
        foreach (var line in lines)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await writer.WriteLineAsync(line);
            count++;
        }

        return count;
    }

    private static string Join(params string?[] fields) => string.Join(',', fields.Select(Escape));

    private static string Escape(string? field) =>
        field is null ? "" : field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    private static string N(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    private static string? N(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);
    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string? N(int? value) => value?.ToString(CultureInfo.InvariantCulture);
    private static string D(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    private static string T(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
