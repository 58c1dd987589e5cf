using Platform.BuildingBlocks.VectorSearch;

namespace Platform.VectorSearch.Tests;

/// <summary>
/// A test space of every payload field type, seeded random points around Oslo, and a brute-force reference search written
/// for clarity, not speed.
/// </summary>
public static class TestPoints
{
    public const int Dimension = 16;
    public static readonly string[] Types = ["apartment", "house", "townhouse", "cabin"];
    public static readonly string[] Statuses = ["active", "sold"];

    /// <summary>A space of its own per test: the same server may hold many, and tests must not see each other.</summary>
    public static VectorSpace NewSpace(int dimension = Dimension) => Space("t" + Guid.NewGuid().ToString("N")[..20], dimension);

    public static VectorSpace Space(string name, int dimension = Dimension) => new(name, dimension,
    [
        new PayloadField("type", PayloadFieldType.Keyword),
        new PayloadField("price", PayloadFieldType.Float),
        new PayloadField("bedrooms", PayloadFieldType.Integer),
        new PayloadField("location", PayloadFieldType.Geo),
        new PayloadField("status", PayloadFieldType.Keyword),
        new PayloadField("featured", PayloadFieldType.Bool, Indexed: false),
    ]);

    public static string NewTenant() => "tenant-" + Guid.NewGuid().ToString("N")[..12];

    public static List<VectorPoint> Random(int count, int seed, string idPrefix = "p")
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => new VectorPoint($"{idPrefix}-{i:D4}", RandomVector(random), RandomPayload(random)))];
    }

    public static Dictionary<string, PayloadValue> RandomPayload(Random random) => new()
    {
        ["type"] = PayloadValue.Keyword(Types[random.Next(Types.Length)]),
        ["price"] = PayloadValue.Float(Math.Round(1_000_000 + random.NextDouble() * 9_000_000)),
        ["bedrooms"] = PayloadValue.Integer(random.Next(0, 6)),
        ["location"] = PayloadValue.Geo(59.85 + random.NextDouble() * 0.2, 10.6 + random.NextDouble() * 0.3),
        ["status"] = PayloadValue.Keyword(Statuses[random.Next(Statuses.Length)]),
        ["featured"] = PayloadValue.Bool(random.Next(4) == 0),
    };

    public static string Type(this VectorPoint p) => p.Payload["type"].KeywordValue!;

    public static double Price(this VectorPoint p) => p.Payload["price"].FloatValue;

    public static long Bedrooms(this VectorPoint p) => p.Payload["bedrooms"].IntegerValue;

    public static GeoPoint Location(this VectorPoint p) => p.Payload["location"].GeoValue;

    public static string Status(this VectorPoint p) => p.Payload["status"].KeywordValue!;

    public static bool Featured(this VectorPoint p) => p.Payload["featured"].BoolValue;

    public static float[] RandomVector(Random random) =>
        [.. Enumerable.Range(0, Dimension).Select(_ => (float)(random.NextDouble() * 2 - 1))];

    public static float[] Unit(float[] vector)
    {
        var norm = Math.Sqrt(vector.Sum(c => (double)c * c));
        return [.. vector.Select(c => (float)(c / norm))];
    }

    /// <summary>The exact answer: cosine in double precision over the points the predicate keeps, best first.</summary>
    public static List<(string Id, double Score)> BruteForce(
        IEnumerable<VectorPoint> points, float[] query, int limit, Func<VectorPoint, bool> keep) =>
        [.. points.Where(keep)
            .Select(p => (p.Id, Score: Cosine(query, p.Vector)))
            .OrderByDescending(h => h.Score)
            .Take(limit)];

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            normA += (double)a[i] * a[i];
            normB += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(normA * normB);
    }

    /// <summary>Distance by the haversine formula, for the radius filter's reference.</summary>
    public static double Kilometers(GeoPoint a, GeoPoint b)
    {
        static double Radians(double degrees) => degrees * Math.PI / 180;
        var h = Math.Pow(Math.Sin(Radians(b.Latitude - a.Latitude) / 2), 2)
            + Math.Cos(Radians(a.Latitude)) * Math.Cos(Radians(b.Latitude)) * Math.Pow(Math.Sin(Radians(b.Longitude - a.Longitude) / 2), 2);
        return 2 * 6371 * Math.Asin(Math.Sqrt(h));
    }

    public static MatchCondition Match(string field, string value) => new(field, PayloadValue.Keyword(value));

    public static MatchAnyCondition AnyOf(string field, params string[] values) => new(field, [.. values.Select(PayloadValue.Keyword)]);
}

public sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

    public int GetHashCode(double obj) => 0;
}
