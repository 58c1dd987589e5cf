using Platform.Valuation.Model.Data;

namespace Platform.Host.Benchmarks;

/// <summary>
/// Seeded sales for speed benchmarks only (accuracy is scored on the platform's market generator and real data):
/// the column mix of a typical listing feed, so encoding and tree depth cost what they would in production.
/// </summary>
public static class BenchmarkSales
{
    public static readonly DatasetSchema Schema = new()
    {
        Id = "id",
        Target = "price",
        Numeric = ["usable_area", "lot_area", "rooms", "bedrooms", "bathrooms", "floor", "year_built"],
        Categorical = ["type", "condition", "municipality"],
        Latitude = "lat",
        Longitude = "lon",
        Segment = "type",
        UsableArea = "usable_area",
        TotalArea = "lot_area",
        YearBuilt = "year_built",
        Date = new DateColumn { Column = "sold_on", Format = "yyyy-MM-dd" },
    };

    public static List<SaleRecord> Create(int n, int seed)
    {
        var random = new Random(seed);
        string[] types = ["house", "flat", "villa", "terrace"], conditions = ["new", "good", "fair", "poor"];
        var rows = new List<SaleRecord>(n);
        var start = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (int i = 0; i < n; i++)
        {
            double area = 30 + random.NextDouble() * 220;
            double lot = area * (1 + random.NextDouble() * 4);
            double rooms = Math.Round(area / 25 + random.NextDouble() * 2);
            double built = 1900 + random.Next(124);
            var type = types[random.Next(types.Length)];
            var condition = conditions[random.Next(conditions.Length)];
            double lat = 50 + random.NextDouble() * 0.5, lon = 14 + random.NextDouble() * 0.7;
            var sold = start.AddDays(random.Next(1500));
            double logPrice = 9 + 0.9 * Math.Log(area) + 0.1 * Math.Log(lot) + 0.3 * Math.Sin(lat * 30) * Math.Cos(lon * 20)
                - 0.002 * (sold.Year - built) + (type == "villa" ? 0.3 : 0) + 0.05 * (sold - start).TotalDays / 365
                + 0.1 * (random.NextDouble() - 0.5);
            rows.Add(new SaleRecord
            {
                Id = $"b{i}",
                Price = Math.Exp(logPrice),
                Numeric = [area, lot, rooms, Math.Max(1, rooms - 1), 1 + random.Next(3), random.Next(10), built],
                Categorical = [type, condition, $"m{random.Next(40)}"],
                Latitude = lat,
                Longitude = lon,
                UsableArea = area,
                TotalArea = lot,
                YearBuilt = built,
                SaleDate = sold,
                Segment = type,
                Line = i + 2,
            });
        }
        return rows;
    }
}
