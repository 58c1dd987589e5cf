using Platform.Valuation.Model.Data;

namespace Platform.Valuation.Tests;

/// <summary>Small seeded sales with a known log-linear pricing process, for fast tests.</summary>
internal static class SyntheticSales
{
    public static readonly DatasetSchema Schema = new()
    {
        Id = "id",
        Target = "price",
        Numeric = ["area", "rooms"],
        Categorical = ["kind"],
        Latitude = "lat",
        Longitude = "lon",
        Segment = "kind",
        UsableArea = "area",
    };

    /// <param name="villaNoise">Log-price noise sd of villas (others have 0.08): unequal noise for interval tests.</param>
    public static List<SaleRecord> Create(int n, int seed, double villaNoise = 0.08)
    {
        var random = new Random(seed);
        var kinds = new[] { "house", "flat", "villa" };
        var rows = new List<SaleRecord>();
        for (int i = 0; i < n; i++)
        {
            double area = 40 + random.NextDouble() * 160;
            double rooms = Math.Round(area / 30 + random.NextDouble());
            var kind = kinds[random.Next(kinds.Length)];
            double lat = 50 + random.NextDouble() * 0.2, lon = 14 + random.NextDouble() * 0.3;
            double location = Math.Sin(lat * 60) + Math.Cos(lon * 40);
            double logPrice = 8 + Math.Log(area) + 0.2 * location + (kind == "villa" ? 0.3 : kind == "flat" ? -0.1 : 0)
                + (kind == "villa" ? villaNoise : 0.08) * NextGaussian(random);
            rows.Add(new SaleRecord
            {
                Id = $"s{i}",
                Price = Math.Exp(logPrice),
                Numeric = [area, i % 17 == 0 ? double.NaN : rooms],
                Categorical = [kind],
                Latitude = lat,
                Longitude = lon,
                UsableArea = area,
                Segment = kind,
                Line = i + 2,
            });
        }
        return rows;
    }

    private static double NextGaussian(Random r) =>
        Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    /// <summary>Found from this source file's path, because test output may live outside the repository (--artifacts-path).</summary>
    public static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public static string SharedDataset(string name) =>
        Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "datasets", name));

    public static string SchemaFile(string name) => Path.Combine(RepoRoot(), "datasets", name);
}
